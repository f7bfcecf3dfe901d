namespace DigiUsher.Console.Apis;

/// <summary>The bearer token of the signed-in person, for the API calls; never leaves the server.</summary>
public interface ISessionTokens
{
    /// <summary>The session's access token; <see cref="SessionExpiredException"/> when the session ended.</summary>
    ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken);
}
