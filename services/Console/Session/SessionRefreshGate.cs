namespace DigiUsher.Console.Session;

/// <summary>
/// Lets one refresh per session run at a time in this replica (sessions share 64 gates by their id's
/// hash: a few bytes however many sessions there are, and a wait of milliseconds when two collide).
/// </summary>
public sealed class SessionRefreshGate
{
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public async Task<IDisposable> EnterAsync(string sessionId, CancellationToken cancellationToken)
    {
        var gate = _gates[(StringComparer.Ordinal.GetHashCode(sessionId) & int.MaxValue) % _gates.Length];
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
