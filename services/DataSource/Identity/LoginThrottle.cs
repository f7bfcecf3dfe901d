using DigiUsher.DataSource.Data;

namespace DigiUsher.DataSource.Identity;

/// <summary>
/// Five failed logins per (login name, client address) within 15 minutes lock that pair for
/// 5 minutes (429 with Retry-After), in Postgres so every replica counts the same failures.
/// </summary>
public sealed class LoginThrottle(IdentityStore store)
{
    public const int MaxFailures = 5;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Lockout = TimeSpan.FromMinutes(5);

    public static string KeyFor(string login, string address) => $"{login.Trim().ToLowerInvariant()}|{address}";

    /// <summary>The client's address (the forwarded one only when a trusted proxy sent it: see the forwarded headers options).</summary>
    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public Task<TimeSpan?> LockedForAsync(string key, CancellationToken cancellationToken) => store.LockedForAsync(key, cancellationToken);

    public Task FailedAsync(string key, CancellationToken cancellationToken) => store.RecordFailureAsync(key, MaxFailures, Window, Lockout, cancellationToken);

    public Task SucceededAsync(string key, CancellationToken cancellationToken) => store.ClearFailuresAsync(key, cancellationToken);
}
