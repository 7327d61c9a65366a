import AdminAPI
import Foundation
import Hummingbird
import Mustache

/// The web portal: pages rendered on the server from swift-mustache templates, served beside the API on the admin
/// listener. It re-implements nothing: every page reads and every form changes through the admin operations,
/// called in-process on behalf of the signed-in user (`InProcessAdmin`, delegated), so a role, a scope check or a
/// validation message is the API's own.
public struct Portal: Sendable {
    let templates: MustacheLibrary
    let api: InProcessAdmin
    let service: AdminService
    let assets: PortalAssets

    public init(service: AdminService) async throws {
        guard let resources = Bundle.module.resourceURL else { throw PortalError.missingResources }
        templates = try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path)
        assets = try PortalAssets(directory: resources.appendingPathComponent("Assets"))
        api = InProcessAdmin(service: service, access: .delegated)
        self.service = service
    }

    /// Adds the portal's pages and assets to the admin listener's router (after its middleware: security headers,
    /// host check, authentication).
    public func install(on router: Router<AdminRequestContext>) {
        let routes = PortalRoutes(portal: self, router: router)
        routes.addAssets()
        routes.addLogin()
        routes.addDashboard()
        routes.addSecurity()
        routes.addExtensions()
        routes.addRouting()
        routes.addOutbound()
        routes.addLogs()
        routes.addContingency()
        routes.addAccounts()
    }
}

enum PortalError: Error, CustomStringConvertible {
    case missingResources
    case missingTemplate(String)

    var description: String {
        switch self {
        case .missingResources: "the portal's templates and assets are not installed beside the executable"
        case .missingTemplate(let name): "the portal has no template \(name)"
        }
    }
}
