import ArgumentParser

/// `cachemon`: run the demo API, query a cache's admin API, purge a user.
@main
struct Cachemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cachemon",
        abstract: "Watch and purge a CacheAside cache.",
        discussion: """
            Exit codes: 0 ok, 1 the server said no (the message is printed), 2 cannot connect, 64 usage.
            The token comes from --token or CACHEMON_TOKEN.
            """,
        subcommands: [
            DemoCommand.self, WatchCommand.self, ServeCommand.self, StatsCommand.self, KeysCommand.self,
            PurgeCommand.self, VerifyCommand.self, AttachCommand.self,
        ]
    )
}
