import NIOCore
import RESP

/// Runs a read-only script once per partition in one call per server: on a standalone Redis, one
/// call with every partition's keys; on a cluster, one call per primary with the partitions it
/// serves. The per-call cost of an `EVALSHA` per partition (most of a statistics query's time with
/// many partitions) is paid once per server.
///
/// The batched scripts wrap the original's body in `local function body(KEYS, ARGV)` (the
/// parameters shadow the globals, so the body runs unchanged) and call it for each slice of the
/// keys and arguments. ``batched`` declares the keys (`KEYS`): `ARGV[1]` the number of calls,
/// then per call its key count, its argument count and its arguments. ``nodeBatched`` declares
/// none, as a cluster requires of keys in several slots, and has the flag
/// `allow-cross-slot-keys`: `ARGV[1]` the number of calls, then per call its key count, its
/// argument count, its keys and its arguments. A cluster node refuses it if one of those keys is
/// not served there (a slot that moved). Both answer the bodies' answers, in call order.
struct PartitionBatch: Sendable {
    let single: RedisScript
    let batched: RedisScript
    let nodeBatched: RedisScript

    init(_ script: RedisScript) {
        single = script
        var lines = script.source.split(separator: "\n", omittingEmptySubsequences: false)
        let shebang = lines.first?.hasPrefix("#!lua") == true ? String(lines.removeFirst()) : "#!lua"
        let function = "\nlocal function body(KEYS, ARGV)\n" + lines.joined(separator: "\n") + "\nend\n"
        batched = RedisScript(
            shebang + function + """
                local results = {}
                local key_at, arg_at = 0, 1
                for call = 1, tonumber(ARGV[1]) do
                  local key_count, arg_count = tonumber(ARGV[arg_at + 1]), tonumber(ARGV[arg_at + 2])
                  local keys, args = {}, {}
                  for i = 1, key_count do keys[i] = KEYS[key_at + i] end
                  for i = 1, arg_count do args[i] = ARGV[arg_at + 2 + i] end
                  key_at = key_at + key_count
                  arg_at = arg_at + 2 + arg_count
                  results[call] = body(keys, args)
                end
                return results
                """)
        let crossSlot =
            shebang.contains("flags=") ? shebang + ",allow-cross-slot-keys" : shebang + " flags=allow-cross-slot-keys"
        nodeBatched = RedisScript(
            crossSlot + function + """
                local results = {}
                local at = 1
                for call = 1, tonumber(ARGV[1]) do
                  local key_count, arg_count = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
                  local keys, args = {}, {}
                  for i = 1, key_count do keys[i] = ARGV[at + 2 + i] end
                  for i = 1, arg_count do args[i] = ARGV[at + 2 + key_count + i] end
                  at = at + 2 + key_count + arg_count
                  results[call] = body(keys, args)
                end
                return results
                """)
    }

    /// The keys and arguments of one ``batched`` call made of `calls`.
    static func pack(_ calls: [(keys: [String], arguments: [ByteBuffer])]) -> (keys: [String], arguments: [ByteBuffer])
    {
        var keys: [String] = []
        var arguments = [ByteBuffer(string: String(calls.count))]
        for call in calls {
            keys += call.keys
            arguments.append(ByteBuffer(string: String(call.keys.count)))
            arguments.append(ByteBuffer(string: String(call.arguments.count)))
            arguments += call.arguments
        }
        return (keys, arguments)
    }

    /// The arguments of one ``nodeBatched`` call made of `calls`.
    static func packArguments(_ calls: [(keys: [String], arguments: [ByteBuffer])]) -> [ByteBuffer] {
        var arguments = [ByteBuffer(string: String(calls.count))]
        for call in calls {
            arguments.append(ByteBuffer(string: String(call.keys.count)))
            arguments.append(ByteBuffer(string: String(call.arguments.count)))
            arguments += call.keys.map { ByteBuffer(string: $0) }
            arguments += call.arguments
        }
        return arguments
    }
}
