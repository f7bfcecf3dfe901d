namespace DigiUsher.Client.Tokens;

/// <summary>
/// Holds the current token of a <see cref="ITokenSource"/> and asks for a new one a minute before it
/// expires (or when told it was refused), one request at a time however many callers wait.
/// </summary>
public sealed class TokenCache(ITokenSource source, TimeProvider? time = null) : IDisposable
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private AccessToken? _current;

    public async ValueTask<string> GetAsync(CancellationToken cancellationToken)
    {
        if (Valid(_current) is { } token)
        {
            return token;
        }

        await _renewing.WaitAsync(cancellationToken);
        try
        {
            if (Valid(_current) is { } renewed)
            {
                return renewed;
            }

            _current = await source.RequestAsync(cancellationToken);
            return _current.Value;
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>Forgets <paramref name="refused"/> so the next call asks for a new token.</summary>
    public void Invalidate(string refused) => Interlocked.CompareExchange(ref _current, null, _current?.Value == refused ? _current : null);

    public void Dispose() => _renewing.Dispose();

    private string? Valid(AccessToken? token) => token is not null && token.ExpiresAt - RenewBefore > _time.GetUtcNow() ? token.Value : null;
}
