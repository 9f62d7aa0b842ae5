import NIOCore
import NIOSSL

/// The TLS settings of a `rediss://` connection: the server's certificate is always verified,
/// against `caFile` or else the system's trusted CAs, and its name (or IP address) must match
/// the URL's host. A client certificate is sent when the server asks for one (`--tls-auth-clients`).
///
/// ```swift
/// let tls = RedisTLS(caFile: "/etc/redis/ca.crt")
/// let pool = RedisConnectionPool(url: try RedisURL("rediss://redis.internal:6380"), options: .init(tls: tls))
/// ```
public struct RedisTLS: Sendable, Equatable {
    /// PEM file of the CA certificates to trust instead of the system's.
    public var caFile: String?
    /// PEM file of the client certificate (chain), for servers that require one.
    public var certificateFile: String?
    /// PEM file of the client certificate's private key.
    public var keyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Why a setting cannot be used, in words a person can act on.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// A TLS context made once per connection attempt, and the name to send as SNI.
    struct ClientContext: @unchecked Sendable {
        // NIOSSLContext is thread-safe; it is only used to make handlers.
        let context: NIOSSLContext
        let serverHostname: String?

        func makeHandler() throws -> NIOSSLClientHandler {
            try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
        }
    }

    /// Loads the files and makes the context for `url`'s host: SNI with its name, or, for an IP
    /// address, no SNI and a check of the certificate against the address.
    func clientContext(for url: RedisURL) throws(SetupError) -> ClientContext {
        guard (certificateFile == nil) == (keyFile == nil) else {
            throw SetupError(
                description:
                    "a client certificate needs its key, and a key its certificate (--redis-cert with --redis-key)")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        do {
            if let caFile {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
        } catch {
            throw SetupError(description: "cannot read the CA file \(caFile ?? ""): \(error)")
        }
        do {
            if let certificateFile, let keyFile {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map {
                    .certificate($0)
                }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
        } catch {
            throw SetupError(
                description:
                    "cannot read the client certificate \(certificateFile ?? "") or key \(keyFile ?? ""): \(error)")
        }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SetupError(description: "the TLS settings are not usable: \(error)")
        }
        let isAddress = (try? SocketAddress(ipAddress: url.host, port: 0)) != nil
        return ClientContext(context: context, serverHostname: isAddress ? nil : url.host)
    }

    /// A failed handshake as a person would say it, from NIOSSL's description of it.
    static func explain(_ reason: String) -> String {
        let lowered = reason.lowercased()
        if lowered.contains("certificate_verify_failed") || lowered.contains("certificate verify failed") {
            return
                "the server's certificate is not signed by a trusted CA (give the CA with --redis-ca or CACHEMON_REDIS_CA): \(reason)"
        }
        if lowered.contains("hostname") || lowered.contains("unable to validate") {
            return "the server's certificate is not for this host name or address: \(reason)"
        }
        if lowered.contains("certificate_required") || lowered.contains("handshake_failure") {
            return
                "the server refused the handshake; does it require a client certificate (--redis-cert, --redis-key)? \(reason)"
        }
        if lowered.contains("wrong_version_number") || lowered.contains("eof") {
            return "the server did not answer TLS; is this its TLS port? \(reason)"
        }
        return reason
    }
}
