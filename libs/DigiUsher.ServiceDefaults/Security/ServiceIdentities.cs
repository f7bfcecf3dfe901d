namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// DigiUsher's own services that call another service with a token of their own (client credentials,
/// role <c>internal</c>, no organization), and the scopes each may hold: least privilege by code, the
/// secrets by configuration (<c>Auth:ServiceIdentities:{id}:Secret</c> in DataSource).
/// </summary>
public static class ServiceIdentities
{
    /// <summary>Query pulls import rollups from CurParser's internal endpoint.</summary>
    public const string Query = "query";

    /// <summary>The operators' CLI (<c>digiusher-admin</c>) re-encrypting secrets, asking for re-imports and overriding an organization's quotas through DataSource.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> ScopesOf = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [Query] = [Scopes.ImportRollupsRead],
        [Admin] = [Scopes.SecretsRekey, Scopes.ImportsReimport, Scopes.QuotasWrite],
    };

    /// <summary>The <c>sub</c> of a service identity's token.</summary>
    public static string SubjectOf(string clientId) => "service:" + clientId;
}
