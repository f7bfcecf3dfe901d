namespace DigiUsher.Client.Tokens;

/// <summary>A bearer token and when it stops being accepted.</summary>
public sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);

/// <summary>Where tokens come from: one request for a new token (caching and renewal are <see cref="TokenCache"/>'s).</summary>
public interface ITokenSource
{
    Task<AccessToken> RequestAsync(CancellationToken cancellationToken);
}

/// <summary>The token endpoint refused: wrong credentials, a revoked client, a scope not granted.</summary>
public sealed class TokenRequestException(string message) : Exception(message);
