import CacheAdminAPI
import CacheAdminClient
import Foundation
import MonitorCore

/// Carries out the monitor's effects against the admin API and queues the answers as actions.
public struct EffectRunner: Sendable {
    let client: AdminClient
    let queue: ActionQueue

    public init(client: AdminClient, queue: ActionQueue) {
        self.client = client
        self.queue = queue
    }

    /// Starts `effect` in the background; `.quit` is the UI loop's to handle and is ignored here.
    public func run(_ effect: Effect) {
        let client = client
        let queue = queue
        switch effect {
        case .fetchStats(let query):
            Task {
                do throws(AdminClientError) {
                    let snapshot = try await client.stats(query)
                    queue.push(.statsLoaded(snapshot, at: Date()))
                } catch {
                    queue.push(.statsFailed(error, at: Date()))
                }
            }
        case .fetchEvents(let after, let limit):
            Task {
                // A failure here shows through the stats request that went with it.
                if let page = try? await client.events(after: after, limit: limit) { queue.push(.eventsLoaded(page)) }
            }
        case .fetchKeys(let prefix):
            Task {
                // The timeline is a second request beside the keys; a server without timelines
                // (an older release) just shows none.
                async let timeline = try? await client.timeline(prefix: prefix, limit: 100)
                do throws(AdminClientError) {
                    queue.push(.keysLoaded(prefix: prefix, try await client.keys(prefix: prefix, limit: 1000)))
                } catch {
                    queue.push(.keysFailed(prefix: prefix, error))
                }
                if let events = await timeline?.events { queue.push(.timelineLoaded(prefix: prefix, events)) }
            }
        case .fetchInstances:
            Task {
                do throws(AdminClientError) {
                    queue.push(.instancesLoaded(try await client.instances(), at: Date()))
                } catch {
                    queue.push(.instancesFailed(error, at: Date()))
                }
            }
        case .fetchRoutes(let query):
            Task {
                do throws(AdminClientError) {
                    queue.push(.routesLoaded(try await client.routes(query)))
                } catch {
                    queue.push(.routesFailed(error))
                }
            }
        case .purge(let prefix):
            Task {
                do throws(AdminClientError) {
                    let result = try await client.purge(
                        prefix: prefix, origin: "monitor (\(AdminClient.loginName))")
                    queue.push(.purgeFinished(prefix: prefix, .success(result), at: Date()))
                } catch {
                    queue.push(.purgeFinished(prefix: prefix, .failure(error), at: Date()))
                }
            }
        case .verify(let prefix):
            Task {
                do throws(AdminClientError) {
                    let report = try await client.verify(prefix: prefix)
                    queue.push(.verifyFinished(prefix: prefix, .success(report), at: Date()))
                } catch {
                    queue.push(.verifyFinished(prefix: prefix, .failure(error), at: Date()))
                }
            }
        case .quit:
            break
        }
    }
}
