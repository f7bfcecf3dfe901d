using System.ComponentModel.DataAnnotations;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>Bearer token settings shared by the issuer (DataSource) and every API (section <c>Jwt</c>).</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    public string Issuer { get; set; } = "digiusher";

    public string Audience { get; set; } = "digiusher-api";

    /// <summary>HMAC-SHA256 key, at least 32 bytes; from a secret in production.</summary>
    [Required]
    [MinLength(32)]
    public string SigningKey { get; set; } = string.Empty;

    [Range(60, 86400)]
    public int LifetimeSeconds { get; set; } = 3600;
}
