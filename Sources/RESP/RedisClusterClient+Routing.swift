import NIOCore

/// Sending a batch of commands across the cluster: grouped by node, the groups sent at once, and
/// what comes back redirected or refused sent again, until every command has its answer.
extension RedisClusterClient {
    /// One command of a batch.
    struct Request: Sendable {
        /// The slot of its keys; `nil` for a command without keys (any primary serves it).
        var slot: Int?
        var command: RESPCommand
        /// For an `EVALSHA`, the `EVAL` to send where the node does not know the script.
        var fallback: RESPCommand?
    }

    /// Where a request goes next.
    enum Target: Sendable {
        /// The primary of its slot, by the map.
        case owner
        /// A node a redirection named; after `ASK`, with `ASKING` first.
        case node(RedisNode.Address, asking: Bool)
    }

    /// A node and whether each command there needs `ASKING`: the requests sent as one pipeline.
    struct Destination: Hashable, Sendable {
        var address: RedisNode.Address
        var asking: Bool
    }

    /// How a request fared on a node.
    enum Outcome: Sendable {
        /// Its answer (a server error included): done.
        case answer(RESPValue)
        /// `MOVED` or `ASK`, with the message for an error if redirections run out.
        case redirect(ClusterReply, message: String)
        /// Worth another try after a pause: `TRYAGAIN` and the like (`answer` holds it, to return
        /// if the budget runs out) or a node that refused the connection (`answer` is `nil`).
        case retry(RedisError, answer: RESPValue?)
        /// Not worth another try: the batch fails with it (a command may have run: not resent).
        case failed(RedisError)
    }

    /// Sends every request to the node serving it, following redirections and retrying within
    /// the budget; the answers in request order, server errors as values.
    ///
    /// - Parameter scriptLoad: `SCRIPT LOAD` of the script whose `EVALSHA`s these are, sent to a
    ///   node that answered several of them `NOSCRIPT`, before sending them again.
    func run(_ requests: [Request], scriptLoad: RESPCommand?) async throws(RedisError) -> [RESPValue] {
        var answers = [RESPValue?](repeating: nil, count: requests.count)
        var targets = [Target](repeating: .owner, count: requests.count)
        var redirections = [Int](repeating: 0, count: requests.count)
        var pending = Array(requests.indices)
        var backoff = ClusterBackoff(budget: retryBudget)
        while !pending.isEmpty {
            let map = try await routingMap(&backoff)
            var groups: [Destination: [Int]] = [:]
            for index in pending {
                let destination: Destination
                switch targets[index] {
                case .owner:
                    destination = Destination(address: map.address(forSlot: requests[index].slot), asking: false)
                case .node(let address, let asking):
                    destination = Destination(address: address, asking: asking)
                }
                groups[destination, default: []].append(index)
            }
            let outcomes = await send(groups, requests, scriptLoad: scriptLoad)
            pending = []
            var retrying: [(index: Int, error: RedisError)] = []
            for (index, outcome) in outcomes {
                switch outcome {
                case .answer(let value):
                    answers[index] = value
                case .failed(let error):
                    throw error
                case .redirect(let reply, let message):
                    redirections[index] += 1
                    guard redirections[index] <= Self.maximumRedirections else {
                        throw .tooManyRedirections(command: requests[index].command.name, last: message)
                    }
                    targets[index] = follow(reply)
                    pending.append(index)
                case .retry(let error, let answer):
                    // Redirections count anew after a pause: an ASK then TRYAGAIN during a long
                    // migration is not a map that keeps changing.
                    redirections[index] = 0
                    targets[index] = .owner
                    answers[index] = answer
                    retrying.append((index: index, error: error))
                }
            }
            if !retrying.isEmpty {
                if try await backoff.wait() {
                    for entry in retrying { pending.append(entry.index) }
                } else {
                    // Out of budget: a refusal (TRYAGAIN…) is the command's answer; a node that
                    // cannot be reached fails the batch.
                    for entry in retrying where answers[entry.index] == nil { throw entry.error }
                }
            }
            pending.sort()  // a node gets its commands in request order
        }
        var ordered: [RESPValue] = []
        ordered.reserveCapacity(answers.count)
        for answer in answers { ordered.append(answer ?? .null) }
        return ordered
    }

    /// Where a redirected request goes next; a `MOVED` also corrects the map.
    private func follow(_ reply: ClusterReply) -> Target {
        switch reply {
        case .moved(let slot, let address):
            noteMoved(slot: slot, to: address)
            return .node(canonical(address), asking: false)
        case .ask(_, let address):
            return .node(canonical(address), asking: true)
        case .tryAgain:
            return .owner
        }
    }

    /// Sends each group to its node, the groups concurrently; the outcomes by request index.
    private func send(_ groups: [Destination: [Int]], _ requests: [Request], scriptLoad: RESPCommand?) async
        -> [(Int, Outcome)]
    {
        if groups.count == 1, let only = groups.first {
            // One node (always so for a single command): no child task.
            let batch = only.value.map { requests[$0] }
            return await sendGroup(batch, indices: only.value, to: only.key, scriptLoad: scriptLoad)
        }
        return await withTaskGroup(of: [(Int, Outcome)].self, returning: [(Int, Outcome)].self) { taskGroup in
            for (destination, indices) in groups {
                let batch = indices.map { requests[$0] }
                taskGroup.addTask {
                    await self.sendGroup(batch, indices: indices, to: destination, scriptLoad: scriptLoad)
                }
            }
            var outcomes: [(Int, Outcome)] = []
            for await part in taskGroup { outcomes.append(contentsOf: part) }
            return outcomes
        }
    }

    /// Sends one node its requests as one pipeline (each after `ASKING` when asked to), sends
    /// again those it answered `NOSCRIPT`, and sorts out the answers.
    private func sendGroup(
        _ batch: [Request], indices: [Int], to destination: Destination, scriptLoad: RESPCommand?
    ) async -> [(Int, Outcome)] {
        var answers: [RESPValue]
        do throws(RedisError) {
            let connection = try await pool(for: destination.address).connection()
            answers = try await Self.exchange(batch.map(\.command), on: connection, asking: destination.asking)
            try await Self.resendUnknownScripts(
                &answers, batch, on: connection, asking: destination.asking, scriptLoad: scriptLoad)
        } catch {
            let outcome: Outcome
            if case .cannotConnect = error {
                requestRefresh()
                outcome = .retry(error, answer: nil)
            } else {
                if case .connectionClosed = error { requestRefresh() }
                outcome = .failed(error)
            }
            return indices.map { ($0, outcome) }
        }
        var outcomes: [(Int, Outcome)] = []
        outcomes.reserveCapacity(indices.count)
        for (position, index) in indices.enumerated() {
            outcomes.append((index, classify(answers[position], askedHost: destination.address.host)))
        }
        return outcomes
    }

    /// What an answer means for its request.
    private func classify(_ answer: RESPValue, askedHost: String) -> Outcome {
        guard let message = answer.errorMessage,
            let reply = ClusterReply(errorMessage: message, askedHost: askedHost)
        else { return .answer(answer) }
        switch reply {
        case .moved, .ask:
            return .redirect(reply, message: message)
        case .tryAgain:
            // TRYAGAIN is a migration in progress; the others may be a map that changed.
            if !message.hasPrefix("TRYAGAIN") { requestRefresh() }
            return .retry(.server(message), answer: answer)
        }
    }

    /// Sends `commands` pipelined, each after `ASKING` when `asking` (it covers one command);
    /// the commands' own answers.
    static func exchange(_ commands: [RESPCommand], on connection: RedisConnection, asking: Bool)
        async throws(RedisError) -> [RESPValue]
    {
        guard asking else { return try await connection.pipeline(commands) }
        var paired: [RESPCommand] = []
        paired.reserveCapacity(commands.count * 2)
        for command in commands {
            paired.append(RESPCommand("ASKING"))
            paired.append(command)
        }
        let answers = try await connection.pipeline(paired)
        var own: [RESPValue] = []
        own.reserveCapacity(commands.count)
        for index in stride(from: 1, to: answers.count, by: 2) { own.append(answers[index]) }
        return own
    }

    /// Replaces the `NOSCRIPT` answers (a node that never saw the script, or lost it in a
    /// restart or failover) by those of the scripts sent again: after one `SCRIPT LOAD` for
    /// several, as `EVAL` for one, or after `ASKING` (the script would load on the importing
    /// node, but ASKING covers only the next command).
    private static func resendUnknownScripts(
        _ answers: inout [RESPValue], _ batch: [Request], on connection: RedisConnection, asking: Bool,
        scriptLoad: RESPCommand?
    ) async throws(RedisError) {
        var missing: [Int] = []
        for position in answers.indices where batch[position].fallback != nil {
            if answers[position].errorMessage?.hasPrefix("NOSCRIPT") == true { missing.append(position) }
        }
        guard !missing.isEmpty else { return }
        let again: [RESPValue]
        if let scriptLoad, !asking, missing.count > 1 {
            var commands = [scriptLoad]
            for position in missing { commands.append(batch[position].command) }
            let answered = try await connection.pipeline(commands)
            again = Array(answered.dropFirst())
        } else {
            var commands: [RESPCommand] = []
            for position in missing {
                if let fallback = batch[position].fallback { commands.append(fallback) }
            }
            again = try await exchange(commands, on: connection, asking: asking)
        }
        for (offset, position) in missing.enumerated() where offset < again.count {
            answers[position] = again[offset]
        }
    }
}
