using System.ComponentModel.DataAnnotations;

namespace DigiUsher.DataSource.Tokens;

/// <summary>A DigiUsher service's own client secret; <see cref="PreviousSecret"/> keeps working during a rotation.</summary>
public sealed class ServiceIdentitySecret
{
    public string Secret { get; set; } = string.Empty;

    public string? PreviousSecret { get; set; }
}

/// <summary>Section <c>Auth</c> as DataSource, the issuer, reads it.</summary>
public sealed class IssuerOptions
{
    public const string Section = "Auth";

    /// <summary>Short: a revoked token is refused within seconds anyway, but a short life bounds a stolen one.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A refresh token unused this long expires; each use gives a new one.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The secrets of DigiUsher's own services (<c>Auth:ServiceIdentities:query:Secret</c>); their scopes are fixed in code.</summary>
    public Dictionary<string, ServiceIdentitySecret> ServiceIdentities { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The public clients that may use the password grant without a secret (the console).</summary>
    public List<string> PublicClients { get; set; } = ["console"];
}
