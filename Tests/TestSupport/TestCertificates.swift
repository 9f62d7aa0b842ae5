import Foundation

/// Certificates made with `openssl` for a test's TLS Redis: a CA, a server certificate it signed
/// for `127.0.0.1` and `localhost`, one for another name, a client certificate it signed, and an
/// unrelated CA.
public struct TestCertificates: Sendable {
    public let directory: URL

    public var caFile: String { path("ca.crt") }
    public var serverCertificate: String { path("server.crt") }
    public var serverKey: String { path("server.key") }
    public var clientCertificate: String { path("client.crt") }
    public var clientKey: String { path("client.key") }
    /// A CA that signed none of these.
    public var otherCAFile: String { path("other-ca.crt") }
    /// A server certificate the CA signed for `other.example` only: right CA, wrong name.
    public var wrongNameCertificate: String { path("wrong-name.crt") }
    public var wrongNameKey: String { path("wrong-name.key") }

    /// Makes them in a new temporary directory (EC P-256 keys: quick to make).
    public static func make() async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cachemon-tls-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory.path)'
            EC='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
            openssl req -x509 $EC -keyout ca.key -out ca.crt -days 30 -subj /CN=cachemon-test-ca
            openssl req $EC -keyout server.key -out server.csr -subj /CN=localhost
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30 -extfile server.ext
            openssl req $EC -keyout client.key -out client.csr -subj /CN=cachemon-client
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 30 -extfile client.ext
            openssl req -x509 $EC -keyout other-ca.key -out other-ca.crt -days 30 -subj /CN=other-ca
            openssl req $EC -keyout wrong-name.key -out wrong-name.csr -subj /CN=other.example
            printf 'subjectAltName=DNS:other.example\\n' > wrong-name.ext
            openssl x509 -req -in wrong-name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out wrong-name.crt -days 30 -extfile wrong-name.ext
            """
        let process = try SpawnedProcess(["bash", "-c", script])
        let status = try await process.wait(timeLimit: .seconds(30))
        guard status == 0 else {
            throw RedisServer.Failure(
                description: "openssl could not make test certificates (is openssl installed?): \(process.output)")
        }
        return TestCertificates(directory: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
