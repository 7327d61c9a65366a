import AdminAPI
import Backup
import Events
import Foundation
import Model
import Notifications
import Update

/// `/notifications` (contacts, with a test button), `/notifications/events` (the catalogue: level and switch per
/// event), `/backups` (make one now, the schedule, restore), `/maintenance` (the update check).
extension PortalRoutes {
    func addContingency() {
        records(PortalPages.notifications, needs: Endpoints.addNotificationContact.permission, build: PortalRoutes.notifications, actions: [
            "remove": { session, name, _ in
                _ = try await session.call(Endpoints.removeNotificationContact, ["name": name])
                return "Contact \(name) removed."
            },
            "test": { session, name, _ in
                _ = try await session.call(Endpoints.testNotificationContact, ["name": name])
                return "A test message reached \(name)."
            },
        ]) { session, form in
            var contact = NotificationContact()
            contact.name = form["name"] ?? ""
            let address = form["address"] ?? ""
            switch form["channel"] {
            case "webhook": contact.webhook = address
            case "syslog": contact.syslog = address
            case "extension": contact.extension = address
            case "mobile":
                contact.mobile = address
                contact.caller = form["caller"].flatMap { $0.isEmpty ? nil : $0 }
            default: contact.email = address
            }
            if let secret = form.secret("secret"), !secret.isEmpty { contact.secret = secret }
            contact.levels = form.values("levels").compactMap(EventKind.Level.init(rawValue:))
            contact.events = form.values("events")
            let added = contact
            return ("Contact \(contact.name) added.", { _ = try await session.call(Endpoints.addNotificationContact, body: added) })
        }
        records(PortalPages.eventCatalogue, needs: Endpoints.changeEvent.permission, build: PortalRoutes.eventCatalogue) { session, form in
            var change = EventChange()
            change.level = form["level"].flatMap(EventKind.Level.init(rawValue:))
            change.notify = form["notify"].flatMap { $0 == "on" ? true : $0 == "off" ? false : nil }
            let name = form["name"] ?? ""
            let changed = change
            return ("\(name) changed.", { _ = try await session.call(Endpoints.changeEvent, ["name": name], body: changed) })
        }
        records(PortalPages.maintenance, needs: Endpoints.changeUpdateSettings.permission, build: PortalRoutes.maintenance, actions: [
            "check": { session, _, _ in
                let result = try await session.call(Endpoints.checkForUpdate)
                if let problem = result.problem { return "The check found nothing it can trust: \(problem)" }
                return result.newer ? "Portcullis \(result.offered ?? "") is available: \(result.notes ?? "")" : "Up to date."
            },
        ]) { session, form in
            let (mode, frequency, day) = (form["mode"].flatMap(UpdateSettings.Mode.init(rawValue:)),
                                          form["frequency"].flatMap(UpdateSettings.Frequency.init(rawValue:)), form["day"].flatMap(ClockTime.Weekday.init(rawValue:)))
            let (time, timeZone) = (form["time"], form["timeZone"])
            return ("Update check saved.", {
                var settings = try await session.call(Endpoints.update).settings
                settings.mode = mode ?? settings.mode
                settings.frequency = frequency ?? settings.frequency
                settings.day = day ?? settings.day
                settings.time = time ?? settings.time
                settings.timeZone = timeZone ?? settings.timeZone
                _ = try await session.call(Endpoints.changeUpdateSettings, body: settings)
            })
        }
        records(PortalPages.backups, needs: Endpoints.createBackup.permission, build: PortalRoutes.backups, actions: [
            "restore": { session, name, form in
                var request = RestoreBackupRequest()
                request.file = name
                request.passphrase = form.secret("restorePassphrase") ?? ""
                let result = try await session.call(Endpoints.restoreBackup, body: request)
                return "Restored \(result.restored)." + (result.restartRequired.isEmpty ? "" : " Restart the server to finish: "
                    + result.restartRequired.joined(separator: "; ") + ".")
            },
        ]) { session, form in
            var request = CreateBackupRequest()
            request.include = form.values("include").compactMap(BackupPart.init(rawValue:))
            request.passphrase = form.secret("passphrase") ?? ""
            let made = request
            return ("Backup made.", { _ = try await session.call(Endpoints.createBackup, body: made) })
        }
    }

    static func notifications(_ session: PortalSession) async throws -> RecordsPage {
        let view = try await session.call(Endpoints.notifications)
        let path = PortalPages.notifications.path
        let manage = session.may(Endpoints.addNotificationContact.permission)
        let events = EventCatalogue.all.map(\.name)
        return RecordsPage(
            title: PortalPages.notifications.title,
            intro: "Who is told of which events. Each contact gets the first event of a kind at once, then one message per \(view.interval) s with the count.",
            listTitle: "Contacts", columns: ["Name", "Channel", "Receives", "Deliveries"],
            rows: view.contacts.map { shown in
                let contact = shown.contact
                let channel = contact.channel.map(String.init(describing:)) ?? ""
                let status = shown.status.map { "\($0.delivered) sent, \($0.failed) failed" + ($0.failing ? " (failing: \($0.lastError ?? ""))" : "") } ?? ""
                return .init(cells: [contact.name, channel, (contact.levels.map(\.rawValue) + contact.events).joined(separator: ", "), status],
                             actions: manage ? [.init(path: path, label: "Test", description: "Send a test message to \(contact.name)", hidden: [("test", contact.name)]),
                                                removeAction(path, "contact", contact.name)] : [])
            }, empty: "Nobody is told of anything yet.",
            form: manage ? .init(title: "Add a contact", path: path, submit: "Add contact", fields: [
                .init(name: "name", label: "Name", required: true),
                .init(name: "channel", label: "Channel", kind: .select, options: [("email", "email"), ("webhook", "webhook (JSON, signed)"),
                                                                                  ("syslog", "syslog (RFC 5424)"), ("extension", "call an extension"),
                                                                                  ("mobile", "call a mobile")]),
                .init(name: "address", label: "Address: email, https:// URL, udp://HOST:PORT, extension or number", required: true),
                .init(name: "secret", label: "Webhook signing secret (16-256 characters)", kind: .password),
                .init(name: "caller", label: "Mobile: called as this extension would dial it"),
                .init(name: "levels", label: "Levels it receives", kind: .multiselect,
                      options: EventKind.Level.allCases.map { ($0.rawValue, $0.rawValue) }, selected: ["alert"]),
                .init(name: "events", label: "And these events, whatever their level", kind: .multiselect, options: events.map { ($0, $0) }),
            ]) : nil)
    }

    static func eventCatalogue(_ session: PortalSession) async throws -> RecordsPage {
        let entries = try await session.call(Endpoints.eventCatalogue).items
        let manage = session.may(Endpoints.changeEvent.permission)
        return RecordsPage(
            title: PortalPages.eventCatalogue.title, intro: "Every event Portcullis raises, its type and level, and whether contacts are told.",
            listTitle: "Events", columns: ["Event", "Type", "Level", "Notify"],
            rows: entries.map { entry in
                .init(cells: [entry.name, entry.type.rawValue,
                              entry.level.rawValue + (entry.level == entry.defaultLevel ? "" : " (default \(entry.defaultLevel.rawValue))"),
                              entry.notify ? "on" : "off"])
            },
            form: manage ? .init(title: "Change an event", path: PortalPages.eventCatalogue.path, submit: "Change event", fields: [
                .init(name: "name", label: "Event", kind: .select, options: entries.map { ($0.name, $0.name) }),
                .init(name: "level", label: "Level", kind: .select, options: [("", "unchanged")] + EventKind.Level.allCases.map { ($0.rawValue, $0.rawValue) }),
                .init(name: "notify", label: "Notify contacts", kind: .select, options: [("", "unchanged"), ("on", "on"), ("off", "off")]),
            ]) : nil)
    }

    static func backups(_ session: PortalSession) async throws -> RecordsPage {
        let overview = try await session.call(Endpoints.backups)
        let restore = session.may(Endpoints.restoreBackup.permission)
        return RecordsPage(
            title: PortalPages.backups.title,
            intro: "Encrypted with a passphrase you keep (it is not stored except for scheduled backups). Backups are in \(overview.directory). "
                + (overview.schedule.frequency == .off ? "No backup is scheduled (portcullis backup schedule set)."
                    : "Scheduled \(overview.schedule.frequency.rawValue) at \(overview.schedule.time) \(overview.schedule.timeZone), keeping \(overview.schedule.keep)."),
            listTitle: "Backups", columns: ["Name", "Size", "Made"],
            rows: overview.backups.map { file in .init(cells: [file.name, "\(file.size / 1024) KiB", PortalFormat.time(file.modified)]) },
            empty: "No backup yet.",
            form: .init(title: "Make a backup now", path: PortalPages.backups.path, submit: "Make backup", fields: [
                .init(name: "include", label: "Besides the configuration", kind: .multiselect, options: [("cdr", "call records"), ("events", "event log")]),
                .init(name: "passphrase", label: "Passphrase (at least 12 characters)", kind: .password, required: true),
            ]),
            moreForms: restore && !overview.backups.isEmpty ? [.init(title: "Restore a backup", path: PortalPages.backups.path, submit: "Restore", fields: [
                .init(name: "restore", label: "Backup", kind: .select, options: overview.backups.map { ($0.name, $0.name) }),
                .init(name: "restorePassphrase", label: "Its passphrase", kind: .password, required: true,
                      help: "The configuration is replaced at once; call records and events too when the backup holds them."),
            ])] : [])
    }

    static func maintenance(_ session: PortalSession) async throws -> RecordsPage {
        let overview = try await session.call(Endpoints.update)
        let settings = overview.settings
        let manage = session.may(Endpoints.checkForUpdate.permission)
        return RecordsPage(
            title: PortalPages.maintenance.title,
            intro: "Portcullis looks for a newer signed release on a schedule and tells you (New Version Detected); it never installs anything.",
            listTitle: "Version", columns: ["Running", "Last check", "Result", "Next check"],
            rows: [.init(cells: [overview.running, overview.lastCheck.map(PortalFormat.time) ?? "never", overview.lastResult ?? "",
                                 overview.nextCheck.map(PortalFormat.time) ?? "off"],
                         actions: manage ? [.init(path: PortalPages.maintenance.path, label: "Check now", description: "Check for a new release now",
                                                  hidden: [("check", "now")])] : [])],
            form: manage ? .init(title: "Update check", path: PortalPages.maintenance.path, submit: "Save", fields: [
                .init(name: "mode", label: "Check", kind: .select, options: [("notify", "check and notify"), ("never", "never check")], value: settings.mode.rawValue),
                .init(name: "frequency", label: "How often", kind: .select, options: [("daily", "daily"), ("weekly", "weekly")], value: settings.frequency.rawValue),
                .init(name: "day", label: "Day (weekly)", kind: .select, options: ClockTime.Weekday.allCases.map { ($0.rawValue, $0.rawValue) },
                      value: settings.day.rawValue),
                .init(name: "time", label: "At (HH:MM)", value: settings.time),
                .init(name: "timeZone", label: "Time zone", value: settings.timeZone),
            ]) : nil)
    }
}
