using System.Security.Cryptography;
using System.Text;

namespace DigiUsher.DataSource.Identity;

/// <summary>
/// Random one-time codes and client secrets (256 bits), stored as SHA-256: high-entropy secrets need
/// no slow hash, only a one-way one.
/// </summary>
public static class SecretTokens
{
    public static string New(string prefix) =>
        prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static string HashText(string secret) => Convert.ToHexString(Hash(secret));

    public static bool Matches(string secret, byte[] hash) => CryptographicOperations.FixedTimeEquals(Hash(secret), hash);
}
