using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Secrets;
using DigiUsher.ServiceDefaults.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace DigiUsher.DataSource.Tokens;

/// <summary>Section <c>Auth:SigningKeys</c>: how long a key signs and how far ahead of use its successor is published.</summary>
public sealed class SigningKeyOptions
{
    public const string Section = "Auth:SigningKeys";

    /// <summary>How long one key signs before the next takes over.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A new key is in the JWKS this long before it signs: every validator reads the JWKS again at
    /// least every <c>Auth:KeyRefreshInterval</c> (10 min), so it knows the key before the first token.
    /// </summary>
    public TimeSpan PublishAhead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A key stays published this long after it stopped signing: longer than any token lives.</summary>
    public TimeSpan RetainAfter { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>One signing key as stored.</summary>
public sealed class SigningKeyRow
{
    public string Kid { get; init; } = string.Empty;

    public byte[] PrivateCiphertext { get; init; } = [];

    public string EncryptionKeyId { get; init; } = string.Empty;

    public string PublicJwk { get; init; } = string.Empty;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ActiveFrom { get; init; }

    public DateTimeOffset RetireAt { get; init; }
}

/// <summary>
/// DataSource's ES256 signing keys, in its own database (the private halves encrypted with the at-rest
/// keys), so every replica signs with the same key and no other service holds one. Rotation with an
/// overlap: the successor is published <see cref="SigningKeyOptions.PublishAhead"/> before it signs;
/// a retired key stays published until its last token expired. <see cref="EnsureAsync"/> (every
/// minute, and at start) creates what is missing under an advisory lock.
/// </summary>
public sealed class SigningKeyRing(NpgsqlDataSource dataSource, SecretCipher cipher, IOptions<SigningKeyOptions> options, TimeProvider time) : ILocalSigningKeys
{
    private volatile Snapshot _snapshot = new([], []);

    static SigningKeyRing() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public IReadOnlyList<SecurityKey> ValidationKeys => _snapshot.Published.Select(k => (SecurityKey)k.Key).ToList();

    /// <summary>The public keys as a JWKS document (RFC 7517).</summary>
    public IReadOnlyList<JsonElement> PublicJwks => _snapshot.Published.Select(k => k.Jwk).ToList();

    /// <summary>The key that signs now.</summary>
    public SigningCredentials Current()
    {
        var now = time.GetUtcNow();
        var key = _snapshot.Signing.Where(k => k.ActiveFrom <= now).MaxBy(k => k.ActiveFrom)
            ?? throw new InvalidOperationException("No signing key is active yet; the key ring has not been loaded.");
        return new SigningCredentials(key.PrivateKey, SecurityAlgorithms.EcdsaSha256);
    }

    /// <summary>Creates the current key or its successor when due, drops retired keys, and reloads.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext('datasource:signing-keys'))", transaction: transaction);
            var now = time.GetUtcNow();
            var keys = (await connection.QueryAsync<(DateTimeOffset ActiveFrom, DateTimeOffset RetireAt)>(
                $"select active_from, retire_at from {DataSourceDb.Schema}.signing_keys order by active_from", transaction: transaction)).ToList();
            var newest = keys.Count == 0 ? (DateTimeOffset?)null : keys[^1].ActiveFrom;
            if (newest is null || newest + o.Lifetime + o.PublishAhead < now)
            {
                // None, or the newest is long past its lifetime (the service was down): sign with a new one now.
                await InsertAsync(connection, transaction, now, now + o.Lifetime + o.PublishAhead + o.RetainAfter);
            }
            else if (newest <= now && newest + o.Lifetime - o.PublishAhead <= now)
            {
                var activeFrom = newest.Value + o.Lifetime;
                await InsertAsync(connection, transaction, activeFrom, activeFrom + o.Lifetime + o.RetainAfter);
            }

            await connection.ExecuteAsync($"delete from {DataSourceDb.Schema}.signing_keys where retire_at < now()", transaction: transaction);
            await transaction.CommitAsync(cancellationToken);
        }

        await LoadAsync(connection, cancellationToken);
    }

    /// <summary>Ends the current key's term now (a suspected leak): its successor signs from now on, after it was published.</summary>
    public async Task RotateNowAsync(CancellationToken cancellationToken)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext('datasource:signing-keys'))", transaction: transaction);
            var now = time.GetUtcNow();
            await connection.ExecuteAsync($"delete from {DataSourceDb.Schema}.signing_keys where active_from > @now", new { now }, transaction);
            await InsertAsync(connection, transaction, now, now + options.Value.Lifetime + options.Value.RetainAfter);
            await transaction.CommitAsync(cancellationToken);
        }

        await EnsureAsync(cancellationToken);
    }

    private async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset activeFrom, DateTimeOffset retireAt)
    {
        var id = Guid.NewGuid();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var secret = cipher.Encrypt(Convert.ToBase64String(ecdsa.ExportPkcs8PrivateKey()), id);
        var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(false))) { KeyId = id.ToString("N") });
        var publicJwk = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["kty"] = jwk.Kty, ["crv"] = jwk.Crv, ["x"] = jwk.X, ["y"] = jwk.Y, ["kid"] = jwk.Kid, ["use"] = "sig", ["alg"] = SecurityAlgorithms.EcdsaSha256,
        });
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.signing_keys (kid, algorithm, private_ciphertext, encryption_key_id, public_jwk, active_from, retire_at)
            values (@kid, 'ES256', @ciphertext, @keyId, @publicJwk, @activeFrom, @retireAt)
            """, new { kid = id.ToString("N"), ciphertext = secret.Ciphertext, keyId = secret.KeyId, publicJwk, activeFrom, retireAt }, transaction);
    }

    private async Task LoadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<SigningKeyRow>(
            new CommandDefinition($"select kid, private_ciphertext, encryption_key_id, public_jwk, created_at, active_from, retire_at from {DataSourceDb.Schema}.signing_keys order by active_from",
                cancellationToken: cancellationToken));
        var published = new List<LoadedKey>();
        foreach (var row in rows)
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(cipher.Decrypt(new EncryptedSecret(row.EncryptionKeyId, row.PrivateCiphertext), Guid.ParseExact(row.Kid, "N"))), out _);
            var publicKey = new ECDsaSecurityKey(ECDsa.Create(ecdsa.ExportParameters(false))) { KeyId = row.Kid };
            published.Add(new LoadedKey(row.Kid, row.ActiveFrom, publicKey, new ECDsaSecurityKey(ecdsa) { KeyId = row.Kid }, JsonDocument.Parse(row.PublicJwk).RootElement.Clone()));
        }

        _snapshot = new Snapshot(published, published);
    }

    private sealed record LoadedKey(string Kid, DateTimeOffset ActiveFrom, ECDsaSecurityKey Key, ECDsaSecurityKey PrivateKey, JsonElement Jwk);

    private sealed record Snapshot(IReadOnlyList<LoadedKey> Published, IReadOnlyList<LoadedKey> Signing);
}

/// <summary>Keeps the key ring current: at start (before the first request) and every minute.</summary>
public sealed partial class SigningKeyRotation(SigningKeyRing ring, ILogger<SigningKeyRotation> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var loaded = await TryEnsureAsync(cancellationToken);
        _loop = LoopAsync(loaded, _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await Task.WhenAny(_loop, Task.Delay(Timeout.Infinite, cancellationToken));
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task LoopAsync(bool loaded, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Until the ring is loaded once, no token can be issued: try again soon.
                await Task.Delay(loaded ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(5), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            loaded |= await TryEnsureAsync(stoppingToken);
        }
    }

    private async Task<bool> TryEnsureAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ring.EnsureAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or CryptographicException or InvalidOperationException)
        {
            LogFailed(logger, ex);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep the signing keys current; the loaded keys stay in use")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
