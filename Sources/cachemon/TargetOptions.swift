import ArgumentParser
import CacheAdminAPI

/// Which prefix a command is about: a user (in a namespace) or a prefix written out.
struct TargetOptions: ParsableArguments {
    @Option(help: "The user id.")
    var user: String?

    @Option(help: "A prefix such as api:{u:42}, instead of --user.")
    var prefix: String?

    @Option(help: "The namespace --user is looked up in.")
    var namespace: String = "api"

    func validate() throws {
        guard (user == nil) != (prefix == nil) else { throw ValidationError("give either --user or --prefix") }
    }

    /// The prefix as the admin API writes it.
    var resolvedPrefix: String { prefix ?? PrefixFormat.prefix(namespace: namespace, user: user) }
}
