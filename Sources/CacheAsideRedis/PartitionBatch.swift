import NIOCore
import RESP

/// Runs a read-only script once per partition in one call on a standalone Redis, where a script
/// may take keys of every slot: the per-call cost of 256 `EVALSHA`s (most of a statistics query's
/// time on one Redis) is paid once. On a cluster the calls stay one per partition, pipelined to
/// the primaries in parallel.
///
/// The batched script wraps the original's body in `local function body(KEYS, ARGV)` (the
/// parameters shadow the globals, so the body runs unchanged) and calls it for each slice of
/// `KEYS` and `ARGV`: `ARGV[1]` the number of calls, then per call its key count, its argument
/// count and its arguments. It answers the bodies' answers, in call order.
struct PartitionBatch: Sendable {
    let single: RedisScript
    let batched: RedisScript

    init(_ script: RedisScript) {
        single = script
        var lines = script.source.split(separator: "\n", omittingEmptySubsequences: false)
        let shebang = lines.first?.hasPrefix("#!lua") == true ? String(lines.removeFirst()) : "#!lua"
        batched = RedisScript(
            shebang + "\nlocal function body(KEYS, ARGV)\n" + lines.joined(separator: "\n") + "\nend\n" + """
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
    }

    /// The keys and arguments of one batched call made of `calls`.
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
}
