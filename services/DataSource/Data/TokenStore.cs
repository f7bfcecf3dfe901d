using Dapper;
using Npgsql;

namespace DigiUsher.DataSource.Data;

/// <summary>A refresh token as stored (the token itself only as its SHA-256).</summary>
public sealed class RefreshTokenRow
{
    public Guid FamilyId { get; init; }

    public Guid UserId { get; init; }

    public string ClientId { get; init; } = string.Empty;

    public string[] Scopes { get; init; } = [];

    public DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? UsedAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>What became of a refresh token presented for a new access token.</summary>
public enum RefreshOutcome
{
    Redeemed,
    Unknown,
    Expired,
    Revoked,

    /// <summary>Already spent: someone else holds a copy, so the whole sign-in (family) is revoked.</summary>
    Reused,
}

/// <summary>Refresh tokens in the <c>datasource</c> schema: one row per token, rotated on every use.</summary>
public sealed class TokenStore(NpgsqlDataSource dataSource)
{
    static TokenStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task AddRefreshTokenAsync(byte[] tokenHash, Guid familyId, Guid userId, string clientId, IReadOnlyList<string> scopes, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.refresh_tokens (token_hash, family_id, user_id, client_id, scopes, expires_at)
            values (@tokenHash, @familyId, @userId, @clientId, @scopes, @expiresAt)
            """, new { tokenHash, familyId, userId, clientId, scopes = scopes.ToArray(), expiresAt });
    }

    /// <summary>Spends a refresh token once (row lock: two concurrent uses cannot both succeed); a second use revokes its family.</summary>
    public async Task<(RefreshOutcome Outcome, RefreshTokenRow? Token)> RedeemAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RefreshTokenRow>(
            $"select family_id, user_id, client_id, scopes, expires_at, used_at, revoked_at from {DataSourceDb.Schema}.refresh_tokens where token_hash = @tokenHash for update",
            new { tokenHash }, transaction);
        var outcome = row switch
        {
            null => RefreshOutcome.Unknown,
            { RevokedAt: not null } => RefreshOutcome.Revoked,
            { UsedAt: not null } => RefreshOutcome.Reused,
            _ when row.ExpiresAt <= DateTimeOffset.UtcNow => RefreshOutcome.Expired,
            _ => RefreshOutcome.Redeemed,
        };
        if (outcome == RefreshOutcome.Redeemed)
        {
            await connection.ExecuteAsync($"update {DataSourceDb.Schema}.refresh_tokens set used_at = now() where token_hash = @tokenHash", new { tokenHash }, transaction);
        }
        else if (outcome == RefreshOutcome.Reused)
        {
            await connection.ExecuteAsync($"update {DataSourceDb.Schema}.refresh_tokens set revoked_at = coalesce(revoked_at, now()) where family_id = @FamilyId", row, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return (outcome, row);
    }

    /// <summary>Revokes the sign-in a refresh token belongs to (RFC 7009); false when the token is unknown.</summary>
    public async Task<bool> RevokeFamilyAsync(byte[] tokenHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"""
            update {DataSourceDb.Schema}.refresh_tokens set revoked_at = coalesce(revoked_at, now())
            where family_id = (select family_id from {DataSourceDb.Schema}.refresh_tokens where token_hash = @tokenHash)
            """, new { tokenHash }) > 0;
    }

    /// <summary>Revokes every sign-in of a user, in the caller's transaction.</summary>
    public static Task RevokeUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId) =>
        connection.ExecuteAsync(
            $"update {DataSourceDb.Schema}.refresh_tokens set revoked_at = coalesce(revoked_at, now()) where user_id = @userId and revoked_at is null",
            new { userId }, transaction);
}
