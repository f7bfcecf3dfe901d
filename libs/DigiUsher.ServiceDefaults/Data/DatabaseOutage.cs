using Npgsql;

namespace DigiUsher.ServiceDefaults.Data;

/// <summary>
/// Bookkeeping that must not be lost to a database outage (a restart, a failover): the work that the
/// outage broke usually broke its own failure record too, and without that record a lease or claim
/// stays with the failed attempt until it runs out.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>
    /// Runs <paramref name="record"/>, and again every <paramref name="pause"/> while the database is
    /// unavailable, until it succeeds or <paramref name="patience"/> has passed (then the last error is thrown).
    /// </summary>
    public static async Task WaitToRecordAsync(
        Func<CancellationToken, Task> record,
        TimeSpan patience,
        TimeSpan pause,
        TimeProvider clock,
        Action<Exception> waiting,
        CancellationToken cancellationToken)
    {
        var giveUpAt = clock.GetUtcNow() + patience;
        while (true)
        {
            try
            {
                await record(cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && clock.GetUtcNow() < giveUpAt && !cancellationToken.IsCancellationRequested)
            {
                waiting(ex);
                await Task.Delay(pause, clock, cancellationToken);
            }
        }
    }
}
