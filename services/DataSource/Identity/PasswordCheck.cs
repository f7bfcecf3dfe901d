using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Identity;

/// <summary>Section <c>Auth:PasswordHashing</c>: how much of the machine PBKDF2 may take.</summary>
public sealed class PasswordHashingOptions
{
    public const string Section = "Auth:PasswordHashing";

    /// <summary>Hashes computed at once; by default all cores but one, so hashing never starves the rest of the service.</summary>
    public int Concurrency { get; set; } = Math.Max(1, Environment.ProcessorCount - 1);

    /// <summary>Requests waiting for a slot; past this a sign-in is refused at once with 429 (no work done).</summary>
    public int QueueLimit { get; set; } = 32;

    /// <summary>Hashes at once for sign-ins from an address their user signed in from before: a slot of their own that a flood from new addresses cannot take.</summary>
    public int KnownAddressConcurrency { get; set; } = 1;
}

/// <summary>All hashing slots are taken and the queue is full: refuse without hashing.</summary>
public sealed class PasswordCheckBusyException(string message = "Too many sign-ins are being checked right now; try again in a few seconds.") : Exception(message)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Every PBKDF2 computation (sign-in, registration, password change and reset) goes through a bounded
/// number of slots with a bounded queue: a flood of logins costs at most <see cref="PasswordHashingOptions.Concurrency"/>
/// cores, and requests beyond the queue are refused before any work is done, so the service's other
/// answers (the credentials the other services ask for, the data source API) keep their cores.
/// Sign-ins from an address the person used before have a lane of their own; sign-ins from new
/// addresses are also limited per login, so guesses at one account cannot fill the shared queue.
/// </summary>
public sealed class PasswordCheck : IDisposable
{
    private readonly ConcurrencyLimiter _slots;
    private readonly ConcurrencyLimiter _knownAddressSlots;
    private readonly PartitionedRateLimiter<string> _newAddressesPerLogin;

    public PasswordCheck(IOptions<PasswordHashingOptions> options, IOptions<SignInProtectionOptions> protection)
    {
        _slots = Limiter(options.Value.Concurrency, options.Value.QueueLimit);
        _knownAddressSlots = Limiter(options.Value.KnownAddressConcurrency, options.Value.QueueLimit);
        var inFlight = protection.Value.InFlightPerLogin;
        _newAddressesPerLogin = PartitionedRateLimiter.Create<string, string>(login => RateLimitPartition.GetConcurrencyLimiter(login,
            _ => new ConcurrencyLimiterOptions { PermitLimit = inFlight, QueueLimit = 0 }));
    }

    public Task<bool> VerifyAsync(string password, string? storedHash, CancellationToken cancellationToken) =>
        RunAsync(_slots, () => PasswordHasher.Verify(password, storedHash), cancellationToken);

    /// <summary>A person's sign-in: in the known-address lane, or in the shared one behind the login's own in-flight limit.</summary>
    public async Task<bool> VerifySignInAsync(string login, SignInOrigin origin, string password, string? storedHash, CancellationToken cancellationToken)
    {
        if (origin == SignInOrigin.KnownAddress)
        {
            return await RunAsync(_knownAddressSlots, () => PasswordHasher.Verify(password, storedHash), cancellationToken);
        }

        using var perLogin = _newAddressesPerLogin.AttemptAcquire(LoginThrottle.Normalized(login));
        if (!perLogin.IsAcquired)
        {
            throw new PasswordCheckBusyException("Sign-ins to this login are being checked right now; try again in a few seconds.");
        }

        return await RunAsync(_slots, () => PasswordHasher.Verify(password, storedHash), cancellationToken);
    }

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(_slots, () => PasswordHasher.Hash(password), cancellationToken);

    public void Dispose()
    {
        _slots.Dispose();
        _knownAddressSlots.Dispose();
        _newAddressesPerLogin.Dispose();
    }

    private static ConcurrencyLimiter Limiter(int permits, int queue) => new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Math.Max(1, permits),
        QueueLimit = Math.Max(0, queue),
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    private static async Task<T> RunAsync<T>(ConcurrencyLimiter slots, Func<T> work, CancellationToken cancellationToken)
    {
        using var lease = await slots.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new PasswordCheckBusyException();
        }

        return work();
    }
}
