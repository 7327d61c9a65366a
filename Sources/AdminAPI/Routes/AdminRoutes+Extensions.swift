import Hummingbird
import Model

/// Extensions, registered devices and the registration defense. A role scoped to some extensions sees and changes
/// only those.
extension AdminRoutes {
    func addExtensions(_ service: AdminService) {
        on(Endpoints.extensions) { call in
            let page = try call.query.page()
            if let limit = page.limit, call.context.caller?.role.scope == .all {
                return try await service.extensions(containing: page.search, offset: page.offset, limit: limit)
            }
            return page.apply(try await service.extensions().filter { call.covers($0.number) }) { [$0.number, $0.name ?? "", $0.registrationName] }
        }
        on(Endpoints.createExtension) { call in
            try call.requireScope(call.body.number)
            return try await service.createExtension(call.body)
        }
        on(Endpoints.extensionView) { call in
            let number = try call.parameter("number")
            try call.requireScope(number)
            return try await service.extensionView(number)
        }
        on(Endpoints.updateExtension) { call in
            let number = try call.parameter("number")
            try call.requireScope(number)
            return try await service.updateExtension(number, call.body)
        }
        on(Endpoints.deleteExtension) { call in
            let number = try call.parameter("number")
            try call.requireScope(number)
            try await service.deleteExtension(number)
            return NoBody()
        }
        on(Endpoints.registrations) { call in ListResponse(items: try await service.registrations().filter { call.covers($0.extension) }) }
        on(Endpoints.registrationDefense) { _ in try await service.registrationDefense() }
        on(Endpoints.updateRegistrationDefense) { call in try await service.updateRegistrationDefense(call.body) }
    }
}
