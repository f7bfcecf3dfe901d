using System.ComponentModel.DataAnnotations;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// Section <c>Auth</c>: who issues the tokens every API accepts (DataSource) and, for a service that
/// calls another, its own client identity. No service but DataSource holds a signing key: the others
/// read DataSource's public keys from its JWKS.
/// </summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The <c>iss</c> of every token, e.g. <c>https://api.example.com</c>; defaults to <see cref="Authority"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// Where this service reaches DataSource (its discovery document and JWKS, its token endpoint), e.g.
    /// <c>http://digiusher-data-source:8080</c>. DataSource itself needs none: it validates with its own keys.
    /// </summary>
    public string? Authority { get; set; }

    public string Audience { get; set; } = "digiusher-api";

    /// <summary>Refuse an authority reached over plain HTTP (a cluster-internal URL usually is, behind a mesh).</summary>
    public bool RequireHttpsMetadata { get; set; }

    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the public keys are read again (an unknown key id reads them at once, at most every 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>This service's own client id when it calls another service (e.g. Query calling CurParser).</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public string ExpectedIssuer => Issuer ?? Authority?.TrimEnd('/')
        ?? throw new InvalidOperationException("Auth:Issuer or Auth:Authority must be configured.");
}
