namespace DigiUsher.Client.Tokens;

/// <summary>A bearer token and when it stops being accepted.</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>Where tokens come from: one request for a new token (caching and renewal are <see cref="TokenCache"/>'s).</summary>
public interface ITokenSource
{
    Task<AccessToken> RequestAsync(CancellationToken cancellationToken);
}

/// <summary>The token endpoint refused: wrong credentials, a revoked client, a scope not granted.</summary>
/// <param name="message">What was refused and why, as the endpoint said it.</param>
/// <param name="error">RFC 6749 §5.2's error code (<c>invalid_client</c>, <c>invalid_grant</c>, <c>invalid_scope</c>, ...), when the endpoint gave one.</param>
public sealed class TokenRequestException(string message, string? error = null) : Exception(message)
{
    /// <summary>RFC 6749 §5.2's error code, when the endpoint gave one.</summary>
    public string? Error { get; } = error;
}
