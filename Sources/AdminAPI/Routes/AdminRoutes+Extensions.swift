import Hummingbird

/// Extensions, registered devices and the registration defense.
extension AdminRoutes {
    func addExtensions(_ service: AdminService) {
        on(Endpoints.extensions) { _ in ListResponse(items: try await service.extensions()) }
        on(Endpoints.createExtension) { call in try await service.createExtension(call.body) }
        on(Endpoints.extensionView) { call in try await service.extensionView(try call.parameter("number")) }
        on(Endpoints.updateExtension) { call in try await service.updateExtension(try call.parameter("number"), call.body) }
        on(Endpoints.deleteExtension) { call in
            try await service.deleteExtension(try call.parameter("number"))
            return NoBody()
        }
        on(Endpoints.registrations) { _ in ListResponse(items: try await service.registrations()) }
        on(Endpoints.registrationDefense) { _ in try await service.registrationDefense() }
        on(Endpoints.updateRegistrationDefense) { call in try await service.updateRegistrationDefense(call.body) }
    }
}
