/// One subcommand: its declaration and what it does.
protocol Command {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments, _ context: Context) throws
}

/// Every command, in the order `fieldnotes --help` lists them.
var commands: [any Command.Type] {
    [
    DemoCommand.self, InitCommand.self, AddCommand.self, EditCommand.self, ShowCommand.self, ListCommand.self,
    SearchCommand.self, DeleteCommand.self, RestoreCommand.self, EraseCommand.self,
    ImportCommand.self, ConflictsCommand.self, StatusCommand.self,
    ExportCommand.self, ScanCommand.self, AuditCommand.self,
    SubjectAccessCommand.self, RetentionCommand.self, ConfigCommand.self,
    JoinCommand.self, SyncCommand.self,
    ThemeAddCommand.self, ThemeListCommand.self, ThemeEditCommand.self, ThemeMergeCommand.self, ThemeDeleteCommand.self,
    CodeCommand.self, PassageListCommand.self, PassageDeleteCommand.self,
    InsightAddCommand.self, InsightListCommand.self, InsightShowCommand.self, InsightEditCommand.self, InsightDeleteCommand.self,
    DecisionAddCommand.self, DecisionListCommand.self, DecisionShowCommand.self, DecisionEditCommand.self, DecisionDeleteCommand.self,
    HubServeCommand.self, HubEnrollCommand.self, HubDevicesCommand.self, HubRevokeCommand.self,
    AreaListCommand.self, AreaAddCommand.self, AreaMapCommand.self, CoverageCommand.self,
    AttributeAddCommand.self, AttributeListCommand.self, AttributeEditCommand.self,
    CaseAddCommand.self, CaseListCommand.self, CaseShowCommand.self, CaseSetCommand.self, CaseDeleteCommand.self,
    MemoAddCommand.self, MemoListCommand.self, MemoEditCommand.self, MemoDeleteCommand.self,
    AnalysisAgreementCommand.self, AnalysisCooccurrenceCommand.self,
    BackupCommand.self, RestoreBackupCommand.self, HubBackupCommand.self, HubRestoreCommand.self,
    DoctorCommand.self, HubStatusCommand.self,
    CompletionCommand.self, ManCommand.self, CompleteValuesCommand.self,
    ]
}

/// The shared `--format` option.
let formatOption = OptionSpec.option("format", "table|json", "table for people (default), json for scripts: one array, stable keys")
/// `--format` of a command that shows one thing: its JSON is one object.
let formatObjectOption = OptionSpec.option("format", "table|json", "table for people (default), json for scripts: one object, stable keys")

extension ParsedArguments {
    var json: Bool {
        get throws { try choice("format", ["table", "json"]) == "json" }
    }
}
