using System.Security.Cryptography;
using System.Text;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Secrets;

/// <summary>Section <c>Credentials:EncryptionKeys</c>: the keys that encrypt secrets at rest; the first is current.</summary>
public sealed class EncryptionKeyOptions
{
    public const string Section = "Credentials";

    public List<EncryptionKey> EncryptionKeys { get; set; } = [];
}

/// <summary>One at-rest key: an id stored beside each ciphertext, and base64 of 32 random bytes.</summary>
public sealed class EncryptionKey
{
    public string Id { get; set; } = string.Empty;

    public string Key { get; set; } = string.Empty;
}

/// <summary>An encrypted secret and the id of the key that encrypted it.</summary>
public sealed record EncryptedSecret(string KeyId, byte[] Ciphertext);

/// <summary>
/// AES-256-GCM for secrets at rest. The owning record's id is the associated data, so a ciphertext
/// copied onto another data source does not decrypt. Older keys stay listed to decrypt until
/// every secret was re-encrypted with the current one (on its next rotation or update).
/// </summary>
public sealed class SecretCipher
{
    private readonly IReadOnlyList<(string Id, byte[] Key)> _keys;

    public SecretCipher(IOptions<EncryptionKeyOptions> options)
    {
        _keys = options.Value.EncryptionKeys.Select(k => (k.Id, Convert.FromBase64String(k.Key))).ToList();
    }

    public static void Validate(EncryptionKeyOptions options)
    {
        if (options.EncryptionKeys.Count == 0)
        {
            throw new OptionsValidationException("Credentials:EncryptionKeys", typeof(EncryptionKeyOptions), ["Credentials:EncryptionKeys needs at least one {Id, Key}."]);
        }

        foreach (var key in options.EncryptionKeys)
        {
            var bytes = new byte[64];
            if (string.IsNullOrWhiteSpace(key.Id) || !Convert.TryFromBase64String(key.Key, bytes, out var length) || length != 32)
            {
                throw new OptionsValidationException("Credentials:EncryptionKeys", typeof(EncryptionKeyOptions), ["Each Credentials:EncryptionKeys entry needs an Id and a Key of base64 of exactly 32 bytes."]);
            }
        }
    }

    /// <summary>The key new secrets are encrypted with (the first configured).</summary>
    public string CurrentKeyId => _keys[0].Id;

    public EncryptedSecret Encrypt(string secret, Guid ownerId)
    {
        var (id, key) = _keys[0];
        return new EncryptedSecret(id, AesGcmBox.Seal(key, Encoding.UTF8.GetBytes(secret), ownerId.ToByteArray()));
    }

    public string Decrypt(EncryptedSecret secret, Guid ownerId)
    {
        var key = _keys.FirstOrDefault(k => k.Id == secret.KeyId).Key
            ?? throw new CryptographicException($"Encryption key '{secret.KeyId}' is no longer configured.");
        return Encoding.UTF8.GetString(AesGcmBox.Open(key, secret.Ciphertext, ownerId.ToByteArray()));
    }
}
