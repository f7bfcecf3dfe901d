namespace DigiUsher.CurPoller.Polling;

/// <summary>Wakes the scheduler when a poll is asked for, instead of waiting for its next tick.</summary>
public sealed class PollSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0);

    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _signal.WaitAsync(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _signal.Dispose();
}
