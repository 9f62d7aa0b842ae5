import ArgumentParser
import CacheAdminAPI
import CacheAdminClient

/// Which prefix a command is about: a user (in a namespace) or a prefix written out.
struct TargetOptions: ParsableArguments {
    @Option(help: "The user id.")
    var user: String?

    @Option(help: "A prefix such as api:{u:42}, instead of --user.")
    var prefix: String?

    @Option(help: "The namespace --user is looked up in (default: the server's, from its stats).")
    var namespace: String?

    func validate() throws {
        guard (user == nil) != (prefix == nil) else { throw ValidationError("give either --user or --prefix") }
    }

    /// The prefix as the admin API writes it; for `--user` without `--namespace`, in the namespace
    /// the server says it uses (`api` for `serve`, `attach` for `attach`).
    func resolvedPrefix(using client: AdminClient) async throws(AdminClientError) -> String {
        if let prefix { return prefix }
        if let namespace { return PrefixFormat.prefix(namespace: namespace, user: user) }
        let served = try await client.stats(StatsQuery(limit: 1)).namespace
        return PrefixFormat.prefix(namespace: served, user: user)
    }
}
