namespace DigiUsher.ServiceDefaults.Security;

/// <summary>A permission a token can carry, what it opens, and who may hold it.</summary>
/// <param name="Name">The scope as written in the token's <c>scope</c> claim.</param>
/// <param name="Opens">What the scope opens, for people reading the API guide and the discovery document.</param>
/// <param name="MemberHolds">Members hold it (admins hold every tenant scope).</param>
/// <param name="Grantable">An admin may grant it to a service client.</param>
public sealed record ScopeInfo(string Name, string Opens, bool MemberHolds, bool Grantable);

/// <summary>
/// Every scope of DigiUsher's APIs. A user's token carries the scopes of the user's role; a service
/// client's token carries the scopes an admin granted it (or the subset it asked for). Scopes that
/// manage people and credentials are never granted to a service client: a client must not be able to
/// mint itself more power.
/// </summary>
public static class Scopes
{
    public const string CostsRead = "costs:read";
    public const string ResourcesRead = "resources:read";
    public const string FindingsRead = "findings:read";
    public const string ImportsRead = "imports:read";
    public const string EmployeesRead = "employees:read";
    public const string DataSourcesRead = "data-sources:read";
    public const string DataSourcesRefresh = "data-sources:refresh";
    public const string DataSourcesWrite = "data-sources:write";
    public const string OwnerRulesRead = "owner-rules:read";
    public const string OwnerRulesWrite = "owner-rules:write";
    public const string UsersRead = "users:read";
    public const string UsersWrite = "users:write";
    public const string ServiceClientsWrite = "service-clients:write";
    public const string AuditRead = "audit:read";

    /// <summary>Internal: read an import's daily rollup from CurParser. Only Query's service identity holds it.</summary>
    public const string ImportRollupsRead = "import-rollups:read";

    /// <summary>Internal: re-encrypt every stored secret with the current key (DataSource). Only the admin CLI's identity holds it.</summary>
    public const string SecretsRekey = "secrets:rekey";

    /// <summary>Internal: import one billing period of a data source again (DataSource). Only the admin CLI's identity holds it.</summary>
    public const string ImportsReimport = "imports:reimport";

    /// <summary>
    /// Internal: set and clear one organization's quota overrides (DataSource). Only the admin CLI's
    /// identity holds it: a tenant (its admin included) can never raise its own quotas.
    /// </summary>
    public const string QuotasWrite = "quotas:write";

    public static readonly IReadOnlyList<ScopeInfo> Tenant =
    [
        new(CostsRead, "Query costs (/api/v1/costs, the CSV export); by owner only with employees:read", MemberHolds: true, Grantable: true),
        new(ResourcesRead, "Resources and their daily cost (/api/v1/resources)", MemberHolds: true, Grantable: true),
        new(FindingsRead, "Waste findings (/api/v1/findings)", MemberHolds: true, Grantable: true),
        new(ImportsRead, "What is imported per billing period (/api/v1/imports)", MemberHolds: true, Grantable: true),
        new(EmployeesRead, "People: owner emails on resources and costs grouped or filtered by owner, /api/v1/employees", MemberHolds: true, Grantable: true),
        new(DataSourcesRead, "Data sources, their status and the AWS setup guide", MemberHolds: true, Grantable: true),
        new(DataSourcesRefresh, "Validate a data source again and poll it now", MemberHolds: true, Grantable: true),
        new(DataSourcesWrite, "Connect, change and remove data sources", MemberHolds: false, Grantable: true),
        new(OwnerRulesRead, "Owner assignment rules (/api/v1/owner-rules)", MemberHolds: true, Grantable: true),
        new(OwnerRulesWrite, "Create, change, order and remove owner rules", MemberHolds: false, Grantable: true),
        new(UsersRead, "The organization's users and their emails", MemberHolds: true, Grantable: true),
        new(UsersWrite, "Invite, disable, enable, delete users and change their roles", MemberHolds: false, Grantable: false),
        new(ServiceClientsWrite, "Create, list, rotate and revoke service clients", MemberHolds: false, Grantable: false),
        new(AuditRead, "The audit log (/api/v1/audit)", MemberHolds: false, Grantable: true),
    ];

    /// <summary>The scopes of a role, in catalog order.</summary>
    public static IReadOnlyList<string> ForRole(string role) => role switch
    {
        DigiUsherClaims.AdminRole => [.. Tenant.Select(s => s.Name)],
        DigiUsherClaims.MemberRole => [.. Tenant.Where(s => s.MemberHolds).Select(s => s.Name)],
        _ => [],
    };

    public static bool IsGrantable(string scope) => Tenant.Any(s => s.Name == scope && s.Grantable);

    /// <summary>The scopes of a space-separated <c>scope</c> value (RFC 6749 section 3.3).</summary>
    public static IReadOnlyList<string> Parse(string? scope) =>
        string.IsNullOrWhiteSpace(scope) ? [] : scope.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();

    public static string Format(IEnumerable<string> scopes) => string.Join(' ', scopes);
}
