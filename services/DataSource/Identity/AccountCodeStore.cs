using Dapper;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Mail;
using Npgsql;

namespace DigiUsher.DataSource.Identity;

/// <summary>What a mailed one-time code is for (the <c>purpose</c> column).</summary>
public static class CodePurpose
{
    public const string PasswordReset = "password-reset";
    public const string EmailVerification = "email-verification";
}

/// <summary>
/// One-time codes mailed to users (<c>datasource.user_codes</c>, SHA-256 only) and their use: a code is
/// issued with its mail in one transaction, and used at most once, before it expires.
/// </summary>
public sealed class AccountCodeStore(NpgsqlDataSource dataSource, MailStore mail, IdentityStore identity)
{
    /// <summary>
    /// Issues a code and queues its mail, unless the user got <paramref name="perHour"/> codes of this purpose
    /// in the last hour (false then: nothing is sent). The user's row is locked so concurrent requests count right.
    /// </summary>
    public async Task<bool> IssueAsync(UserRow user, string purpose, byte[] codeHash, DateTimeOffset expiresAt, int perHour, OutgoingMail message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"select 1 from {DataSourceDb.Schema}.users where id = @Id for update", new { user.Id }, transaction);
        var recent = await connection.ExecuteScalarAsync<long>(
            $"select count(*) from {DataSourceDb.Schema}.user_codes where user_id = @Id and purpose = @purpose and created_at > now() - interval '1 hour'",
            new { user.Id, purpose }, transaction);
        if (recent >= perHour)
        {
            return false;
        }

        await connection.ExecuteAsync(
            $"insert into {DataSourceDb.Schema}.user_codes (code_hash, user_id, purpose, expires_at) values (@codeHash, @Id, @purpose, @expiresAt)",
            new { codeHash, user.Id, purpose, expiresAt }, transaction);
        await mail.AddAsync(connection, transaction, user.OrganizationId, user.Id, message, expiresAt);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Whether the code is one that would work now (checked before the cost of hashing a password).</summary>
    public async Task<bool> IsUsableAsync(byte[] codeHash, string purpose, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"select exists (select 1 from {DataSourceDb.Schema}.user_codes where code_hash = @codeHash and purpose = @purpose and used_at is null and expires_at > now())",
            new { codeHash, purpose });
    }

    /// <summary>
    /// Uses a reset code: sets the password, marks the address verified (the mail reached its owner), voids the
    /// user's other reset codes, ends every sign-in and revokes every token. Null when the code is unknown, used,
    /// expired, or its user can no longer sign in.
    /// </summary>
    public async Task<UserRow?> ResetPasswordAsync(byte[] codeHash, string passwordHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await UseAsync(connection, transaction, codeHash, CodePurpose.PasswordReset,
            $"""
            update {DataSourceDb.Schema}.users set password_hash = @passwordHash, password_changed_at = now(), email_verified_at = coalesce(email_verified_at, now())
            where id = @userId and disabled_at is null and activated_at is not null
            returning {IdentityStore.UserColumns}
            """, passwordHash);
        if (user is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await connection.ExecuteAsync(
            $"update {DataSourceDb.Schema}.user_codes set used_at = now() where user_id = @Id and purpose = 'password-reset' and used_at is null", new { user.Id }, transaction);
        await TokenStore.RevokeUserAsync(connection, transaction, user.Id);
        await identity.RevokeTokensAsync(connection, transaction, user.OrganizationId, user.Id.ToString(), now);
        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    /// <summary>Uses a verification code: the user's address is verified. Null when the code does not work.</summary>
    public async Task<UserRow?> VerifyEmailAsync(byte[] codeHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var user = await UseAsync(connection, transaction, codeHash, CodePurpose.EmailVerification,
            $"update {DataSourceDb.Schema}.users set email_verified_at = coalesce(email_verified_at, now()) where id = @userId returning {IdentityStore.UserColumns}", null);
        if (user is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }

        await transaction.CommitAsync(cancellationToken);
        return user;
    }

    /// <summary>Marks the code used (row lock: two uses at once cannot both succeed) and applies <paramref name="update"/> to its user.</summary>
    private static async Task<UserRow?> UseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, byte[] codeHash, string purpose, string update, string? passwordHash)
    {
        var userId = await connection.ExecuteScalarAsync<Guid?>(
            $"""
            update {DataSourceDb.Schema}.user_codes set used_at = now()
            where code_hash = @codeHash and purpose = @purpose and used_at is null and expires_at > now()
            returning user_id
            """, new { codeHash, purpose }, transaction);
        return userId is null ? null : await connection.QuerySingleOrDefaultAsync<UserRow>(update, new { userId, passwordHash }, transaction);
    }
}
