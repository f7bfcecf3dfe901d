using System.Threading.RateLimiting;

namespace DigiUsher.DataSource.Identity;

/// <summary>Section <c>Auth:PasswordHashing</c>: how much of the machine PBKDF2 may take.</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "Auth:PasswordHashing";

    /// <summary>Hashes computed at once; by default all cores but one, so hashing never starves the rest of the service.</summary>
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Requests waiting for a slot; past this a sign-in is refused at once with 429 (no work done).</summary>
    public int QueueLimit { get; set; } = 32;
}

/// <summary>All hashing slots are taken and the queue is full: refuse without hashing.</summary>
public sealed class PasswordCheckBusyException() : Exception("Too many sign-ins are being checked right now; try again in a few seconds.")
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Every PBKDF2 computation (sign-in, registration, password change and reset) goes through a bounded
/// number of slots with a bounded queue: a flood of logins costs at most <see cref="PasswordHashingOptions.Concurrency"/>
/// cores, and requests beyond the queue are refused before any work is done, so the service's other
/// answers (the credentials the other services ask for, the data source API) keep their cores.
/// </summary>
public sealed class PasswordCheck : IDisposable
{
    private readonly ConcurrencyLimiter _slots;

    public PasswordCheck(Microsoft.Extensions.Options.IOptions<PasswordHashingOptions> options)
    {
        _slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, options.Value.Concurrency),
            QueueLimit = Math.Max(0, options.Value.QueueLimit),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public Task<bool> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken) =>
        RunAsync(() => PasswordHasher.Verify(password, storedHash), cancellationToken);

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => PasswordHasher.Hash(password), cancellationToken);

    public void Dispose() => _slots.Dispose();

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        using var lease = await _slots.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new PasswordCheckBusyException();
        }

        return work();
    }
}
