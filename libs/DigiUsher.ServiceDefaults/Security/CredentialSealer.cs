using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>Section <c>Credentials</c>: the key that seals secrets in flight between services.</summary>
public sealed class CredentialTransportOptions
{
    public const string Section = "Credentials";

    /// <summary>Base64 of 32 random bytes, shared by DataSource and the services that use AWS credentials.</summary>
    [Required]
    public string TransportKey { get; set; } = string.Empty;
}

/// <summary>
/// Seals and opens secrets that must cross RabbitMQ (<c>AwsCredentialsIssued</c>) with AES-256-GCM,
/// so no message body or broker disk ever holds a secret key in clear text.
/// Format: base64(nonce[12] | tag[16] | ciphertext).
/// </summary>
public sealed class CredentialSealer
{
    private readonly byte[] _key;

    public CredentialSealer(IOptions<CredentialTransportOptions> options)
    {
        _key = Convert.FromBase64String(options.Value.TransportKey);
        if (_key.Length != 32)
        {
            throw new InvalidOperationException("Credentials:TransportKey must be base64 of exactly 32 bytes.");
        }
    }

    public string Seal(string secret) => Convert.ToBase64String(AesGcmBox.Seal(_key, Encoding.UTF8.GetBytes(secret), associatedData: null));

    public string Open(string sealedSecret) => Encoding.UTF8.GetString(AesGcmBox.Open(_key, Convert.FromBase64String(sealedSecret), associatedData: null));
}

/// <summary>AES-256-GCM with a random 96-bit nonce: nonce | tag | ciphertext.</summary>
public static class AesGcmBox
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(byte[] key, byte[] plaintext, byte[]? associatedData)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), associatedData);
        return output;
    }

    public static byte[] Open(byte[] key, byte[] box, byte[]? associatedData)
    {
        if (box.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("Sealed value is too short.");
        }

        var plaintext = new byte[box.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(box.AsSpan(0, NonceSize), box.AsSpan(NonceSize + TagSize), box.AsSpan(NonceSize, TagSize), plaintext, associatedData);
        return plaintext;
    }
}
