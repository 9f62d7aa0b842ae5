import ArgumentParser
import CacheAdminAPI
import CacheAdminClient

/// The exit codes the README promises.
enum ExitStatus {
    static let serverSaidNo = ExitCode(1)
    static let cannotConnect = ExitCode(2)
    static let usage = ExitCode.validationFailure

    /// Prints why a call failed and returns the matching exit code.
    static func report(_ error: AdminClientError) -> ExitCode {
        printError("cachemon: \(error)")
        switch error {
        case .invalidURL: return usage
        case .cannotConnect: return cannotConnect
        case .unauthorized, .rejected, .malformedResponse: return serverSaidNo
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    var standardError = StandardError()
    print(line, to: &standardError)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.standardError(string)
    }
}
