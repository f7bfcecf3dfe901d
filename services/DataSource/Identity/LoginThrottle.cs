using System.ComponentModel.DataAnnotations;
using DigiUsher.DataSource.Data;

namespace DigiUsher.DataSource.Identity;

/// <summary>
/// Section <c>Auth:SignInProtection</c>: how one account is shielded from password guessing spread over
/// many addresses, without letting the guessers lock its real user out.
/// </summary>
public sealed class SignInProtectionOptions
{
    public const string Section = "Auth:SignInProtection";

    /// <summary>Failed sign-ins to one login from addresses it never signed in from, per 15 minutes, before such addresses are refused for <see cref="NewAddressLockoutMinutes"/>.</summary>
    [Range(1, 100_000)]
    public int FailuresPerLogin { get; set; } = 20;

    /// <summary>How long a login stays closed to new addresses once <see cref="FailuresPerLogin"/> is reached.</summary>
    [Range(1, 24 * 60)]
    public int NewAddressLockoutMinutes { get; set; } = 15;

    /// <summary>An address a person signed in from within this many days is theirs: its sign-ins skip the new-address limit and use their own hashing slot.</summary>
    [Range(1, 3650)]
    public int KnownAddressDays { get; set; } = 90;

    /// <summary>Password checks of one login from new addresses running at once (per replica); more are refused without hashing.</summary>
    [Range(1, 100)]
    public int InFlightPerLogin { get; set; } = 2;
}

/// <summary>Where a sign-in attempt comes from, as far as its login is concerned.</summary>
public enum SignInOrigin
{
    /// <summary>The login's user signed in successfully from this address within <see cref="SignInProtectionOptions.KnownAddressDays"/>.</summary>
    KnownAddress,

    /// <summary>Any other address, including every address for a login that does not exist (no enumeration).</summary>
    NewAddress,
}

/// <summary>The throttles' verdict before any password is hashed: check it, or refuse for how long and why.</summary>
public sealed record SignInVerdict(TimeSpan? RefusedFor, string? Reason)
{
    public static readonly SignInVerdict Check = new(null, null);

    public bool Refused => RefusedFor is not null;

    /// <summary>
    /// The decision, apart from the stores: a (login, address) pair that failed too often is refused;
    /// a login guessed from too many new addresses is refused to new addresses only, so the person who
    /// owns it still signs in from where they always do.
    /// </summary>
    public static SignInVerdict Decide(TimeSpan? pairLockedFor, SignInOrigin origin, TimeSpan? newAddressesLockedFor) =>
        (pairLockedFor, origin, newAddressesLockedFor) switch
        {
            ({ } pair, _, _) => new(pair, $"Too many failed attempts for this login from your address; try again in {Seconds(pair)} seconds."),
            (null, SignInOrigin.NewAddress, { } login) => new(login,
                $"Too many failed sign-ins to this login from new addresses; sign in from an address you used before, reset your password, or try again in {Seconds(login)} seconds."),
            _ => Check,
        };

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}

/// <summary>
/// Failed-login throttles, in Postgres so every replica counts the same failures:
/// five failures per (login name, client address) within 15 minutes lock that pair for 5 minutes, and
/// <see cref="SignInProtectionOptions.FailuresPerLogin"/> failures of one login from new addresses close
/// it to new addresses for a while (a thousand guesses from a thousand addresses cost a few hashes,
/// and the real user, from a known address, still signs in).
/// </summary>
public sealed class LoginThrottle(IdentityStore store, Microsoft.Extensions.Options.IOptions<SignInProtectionOptions> options)
{
    public const int MaxFailures = 5;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Lockout = TimeSpan.FromMinutes(5);

    public static string KeyFor(string login, string address) => $"{Normalized(login)}|{address}";

    /// <summary>The login's count of failures from new addresses (no IP address contains a space).</summary>
    public static string NewAddressesKeyFor(string login) => $"{Normalized(login)}|new addresses";

    /// <summary>The client's address (the forwarded one only when a trusted proxy sent it: see the forwarded headers options).</summary>
    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public Task<TimeSpan?> LockedForAsync(string key, CancellationToken cancellationToken) => store.LockedForAsync(key, cancellationToken);

    public Task FailedAsync(string key, CancellationToken cancellationToken) => store.RecordFailureAsync(key, MaxFailures, Window, Lockout, cancellationToken);

    public Task SucceededAsync(string key, CancellationToken cancellationToken) => store.ClearFailuresAsync(key, cancellationToken);

    /// <summary>The verdict for a person's sign-in before its password is checked.</summary>
    public async Task<SignInVerdict> BeforePasswordCheckAsync(string login, string address, SignInOrigin origin, CancellationToken cancellationToken)
    {
        var pair = await store.LockedForAsync(KeyFor(login, address), cancellationToken);
        var newAddresses = origin == SignInOrigin.NewAddress ? await store.LockedForAsync(NewAddressesKeyFor(login), cancellationToken) : null;
        return SignInVerdict.Decide(pair, origin, newAddresses);
    }

    /// <summary>One query whether or not the login exists, so its timing tells nothing either.</summary>
    public async Task<SignInOrigin> OriginOfAsync(string login, string address, CancellationToken cancellationToken) =>
        await store.SignedInFromAsync(login.Trim(), address, TimeSpan.FromDays(options.Value.KnownAddressDays), cancellationToken)
            ? SignInOrigin.KnownAddress
            : SignInOrigin.NewAddress;

    public async Task PersonFailedAsync(string login, string address, SignInOrigin origin, CancellationToken cancellationToken)
    {
        await FailedAsync(KeyFor(login, address), cancellationToken);
        if (origin == SignInOrigin.NewAddress)
        {
            await store.RecordFailureAsync(NewAddressesKeyFor(login), options.Value.FailuresPerLogin, Window,
                TimeSpan.FromMinutes(options.Value.NewAddressLockoutMinutes), cancellationToken);
        }
    }

    /// <summary>An address the person set their password from (registration, an accepted invitation) is theirs too.</summary>
    public Task RememberAddressAsync(Guid userId, string address, CancellationToken cancellationToken) =>
        store.RememberSignInAddressAsync(userId, address, TimeSpan.FromDays(options.Value.KnownAddressDays), cancellationToken);

    public async Task PersonSucceededAsync(Guid userId, string login, string address, CancellationToken cancellationToken)
    {
        await SucceededAsync(KeyFor(login, address), cancellationToken);
        await RememberAddressAsync(userId, address, cancellationToken);
    }

    /// <summary>A login as every throttle keys it: trimmed, lower case.</summary>
    public static string Normalized(string login) => login.Trim().ToLowerInvariant();
}
