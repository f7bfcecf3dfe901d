using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DigiUsher.ServiceDefaults.Hosting;

/// <summary>Why a cursor was refused.</summary>
public enum CursorProblem
{
    /// <summary>Not a cursor at all (bad encoding or shape).</summary>
    Malformed,

    /// <summary>The signature does not match: edited, forged, or issued by another deployment.</summary>
    Altered,

    /// <summary>A genuine cursor of a different query.</summary>
    OtherQuery,
}

/// <summary>A cursor read back: the position it carries, or why it was refused.</summary>
public readonly record struct CursorReading(string? Position, CursorProblem? Problem);

/// <summary>Section <c>Cursors</c>: the key of the page cursors' signatures, the same on every replica.</summary>
public sealed class CursorOptions
{
    public const string Section = "Cursors";

    public string Key { get; set; } = "digiusher";
}

/// <summary>
/// Opaque page cursors for every API: a position (an offset, a keyset) bound to the query it belongs
/// to (the organization is part of it) and signed with HMAC-SHA256 under <c>Cursors:Key</c> and the
/// service, so a client cannot edit or reuse a cursor with another query. The key guards correctness,
/// not secrets (no service holds a token key any more): a forged cursor could only point at another
/// position of the caller's own query.
/// </summary>
public sealed class CursorCodec(IOptions<CursorOptions> options, DigiUsherService service)
{
    private readonly byte[] _key = SHA256.HashData(Encoding.UTF8.GetBytes($"digiusher-{service.Name}-cursor:" + options.Value.Key));

    /// <summary>A cursor for <paramref name="position"/> (without <c>|</c>) within <paramref name="query"/>.</summary>
    public string Encode(string position, string query)
    {
        var payload = Encoding.UTF8.GetBytes($"{position}|{Fingerprint(query)}");
        return Base64Url(payload) + "." + Base64Url(Sign(payload));
    }

    /// <summary>The position <paramref name="cursor"/> carries if it was issued for <paramref name="query"/>.</summary>
    public CursorReading Decode(string cursor, string query)
    {
        var parts = cursor.Split('.');
        if (parts.Length != 2 || FromBase64Url(parts[0]) is not { } payload || FromBase64Url(parts[1]) is not { } signature)
        {
            return new CursorReading(null, CursorProblem.Malformed);
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(payload)))
        {
            return new CursorReading(null, CursorProblem.Altered);
        }

        var text = Encoding.UTF8.GetString(payload);
        var bar = text.LastIndexOf('|');
        return bar < 0 ? new CursorReading(null, CursorProblem.Malformed)
            : text[(bar + 1)..] != Fingerprint(query) ? new CursorReading(null, CursorProblem.OtherQuery)
            : new CursorReading(text[..bar], null);
    }

    private static string Fingerprint(string query) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(query)))[..16];

    private byte[] Sign(byte[] payload) => HMACSHA256.HashData(_key, payload)[..16];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[]? FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='), buffer, out var written) ? buffer[..written] : null;
    }
}
