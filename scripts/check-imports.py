#!/usr/bin/env python3
"""Every module a target imports must be declared in Package.swift.

SwiftPM builds a target that imports a module it did not declare whenever another target happens
to build that module first (`--explicit-target-dependency-import-check` misses these), so such a
target breaks for whoever depends on it alone. This reads `swift package describe --type json`
and each target's `import` lines and lists every import that is neither declared, the toolchain's,
nor the target itself. Exit 1 when any is found.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

# Modules that come with the toolchain or the system, never declared in Package.swift.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationInternationalization", "FoundationNetworking",
    "Dispatch", "Glibc", "Musl", "Darwin", "Synchronization", "_Concurrency", "Swift", "Testing",
    "XCTest", "os", "RegexBuilder", "Observation", "CoreFoundation",
}
IMPORT = re.compile(r"^\s*(?:@[\w\(\)]+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
                    re.MULTILINE)


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    described = subprocess.run(
        ["swift", "package", "describe", "--type", "json"], cwd=root, check=True, capture_output=True, text=True
    ).stdout
    package = json.loads(described[described.index("{"):])
    problems = []
    for target in package["targets"]:
        if target.get("module_type") != "SwiftTarget":
            continue
        declared = set(target.get("target_dependencies", [])) | set(target.get("product_dependencies", []))
        declared |= TOOLCHAIN | {target["c99name"], target["name"]}
        for source in target.get("sources", []):
            path = root / target["path"] / source
            text = path.read_text(encoding="utf-8")
            # Package.swift's own `import class Foundation.ProcessInfo` style imports name the module first.
            for module in IMPORT.findall(text):
                if module not in declared:
                    problems.append(f"{path.relative_to(root)}: imports {module}, which target {target['name']} does not declare")
    for problem in sorted(set(problems)):
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-imports: {len(set(problems))} undeclared import(s); add them to the target's dependencies in Package.swift",
              file=sys.stderr)
        return 1
    print(f"check-imports: every import of {len(package['targets'])} targets is declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
