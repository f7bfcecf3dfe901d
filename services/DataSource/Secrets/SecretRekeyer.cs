using System.Security.Cryptography;
using Dapper;
using DigiUsher.DataSource.Data;
using Npgsql;

namespace DigiUsher.DataSource.Secrets;

/// <summary>What a re-encryption did: secrets moved to the current key, already on it, and those no configured key opens.</summary>
public sealed record RekeyResult(string KeyId, int Rekeyed, int AlreadyCurrent, IReadOnlyList<Guid> Unreadable);

/// <summary>
/// Re-encrypts every stored secret with the current (first) key, so the older keys can be removed
/// from the configuration. Each row is rewritten only if it still holds what was read (a concurrent
/// update wins), so running it while the service serves traffic, or twice, is safe.
/// </summary>
public sealed class SecretRekeyer(NpgsqlDataSource dataSource, SecretCipher cipher)
{
    public async Task<RekeyResult> RekeyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(Guid Id, string KeyId, byte[] Ciphertext)>(new CommandDefinition(
            $"select id, secret_key_id, secret_ciphertext from {DataSourceDb.Schema}.data_sources where secret_ciphertext is not null",
            cancellationToken: cancellationToken))).ToList();
        var rekeyed = 0;
        var unreadable = new List<Guid>();
        foreach (var (id, keyId, ciphertext) in rows.Where(r => r.KeyId != cipher.CurrentKeyId))
        {
            string secret;
            try
            {
                secret = cipher.Decrypt(new EncryptedSecret(keyId, ciphertext), id);
            }
            catch (CryptographicException)
            {
                unreadable.Add(id);
                continue;
            }

            var encrypted = cipher.Encrypt(secret, id);
            rekeyed += await connection.ExecuteAsync(new CommandDefinition(
                $"""
                update {DataSourceDb.Schema}.data_sources set secret_key_id = @newKey, secret_ciphertext = @newCiphertext
                where id = @id and secret_key_id = @oldKey and secret_ciphertext = @oldCiphertext
                """,
                new { id, newKey = encrypted.KeyId, newCiphertext = encrypted.Ciphertext, oldKey = keyId, oldCiphertext = ciphertext },
                cancellationToken: cancellationToken));
        }

        return new RekeyResult(cipher.CurrentKeyId, rekeyed, rows.Count(r => r.KeyId == cipher.CurrentKeyId), unreadable);
    }
}
