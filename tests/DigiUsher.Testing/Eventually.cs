namespace DigiUsher.Testing;

/// <summary>Polls a condition until it holds or a deadline passes (for asynchronous, message-driven outcomes).</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var value = await probe();
                if (value is not null)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or Npgsql.NpgsqlException)
            {
                last = ex;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}.", last);
    }

    public static Task True(Func<Task<bool>> probe, TimeSpan timeout, string what) =>
        Get<object>(async () => await probe() ? new object() : null, timeout, what);
}
