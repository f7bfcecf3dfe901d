using System.Security.Cryptography;
using System.Text;
using DigiUsher.Query.Apis;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.Query.Paging;

/// <summary>
/// Opaque page cursors: the offset of the next page bound to the query it belongs to, signed with
/// HMAC-SHA256 (a key derived from the JWT signing key), so a client cannot forge, edit or reuse a
/// cursor with another query.
/// </summary>
public sealed class CursorCodec(IOptions<JwtOptions> jwt)
{
    private readonly byte[] _key = SHA256.HashData(Encoding.UTF8.GetBytes("digiusher-query-cursor:" + jwt.Value.SigningKey));

    public string Encode(long offset, string queryFingerprint)
    {
        var payload = Encoding.UTF8.GetBytes($"{offset}|{Fingerprint(queryFingerprint)}");
        return Base64Url(payload) + "." + Base64Url(Sign(payload));
    }

    /// <summary>The offset a cursor points at (0 without a cursor).</summary>
    /// <exception cref="BadQueryException">The cursor is malformed, tampered with, or of another query.</exception>
    public long Decode(string? cursor, string queryFingerprint)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return 0;
        }

        var parts = cursor.Split('.');
        byte[] payload;
        byte[] signature;
        try
        {
            if (parts.Length != 2)
            {
                throw new FormatException();
            }

            payload = FromBase64Url(parts[0]);
            signature = FromBase64Url(parts[1]);
        }
        catch (FormatException)
        {
            throw new BadQueryException("cursor", "The cursor is malformed; pass nextCursor exactly as a previous page returned it.");
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, Sign(payload)))
        {
            throw new BadQueryException("cursor", "The cursor is not valid (altered or issued by another deployment).");
        }

        var text = Encoding.UTF8.GetString(payload).Split('|');
        if (text.Length != 2 || !long.TryParse(text[0], System.Globalization.CultureInfo.InvariantCulture, out var offset) || offset < 0)
        {
            throw new BadQueryException("cursor", "The cursor is malformed.");
        }

        if (text[1] != Fingerprint(queryFingerprint))
        {
            throw new BadQueryException("cursor", "The cursor belongs to a different query; repeat the same parameters with it.");
        }

        return offset;
    }

    private static string Fingerprint(string query) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(query)))[..16];

    private byte[] Sign(byte[] payload) => HMACSHA256.HashData(_key, payload)[..16];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
