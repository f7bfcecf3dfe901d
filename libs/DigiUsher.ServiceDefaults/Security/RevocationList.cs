using System.Collections.Frozen;
using System.Security.Claims;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DigiUsher.ServiceDefaults.Security;

/// <summary>
/// The subjects whose earlier tokens are void, read from the service's own <c>revoked_tokens</c>
/// table every <see cref="RefreshInterval"/>, so every replica refuses a revoked token within
/// seconds of the <see cref="TokensRevoked"/> event (DataSource writes its own table directly).
/// A database outage keeps the last list: the service is unready then anyway.
/// </summary>
public sealed partial class RevocationList(NpgsqlDataSource dataSource, DigiUsherService service, ILogger<RevocationList> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    /// <summary>Per subject, the Unix millisecond before which (and at which) its tokens are void.</summary>
    private volatile FrozenDictionary<string, long> _revokedBefore = FrozenDictionary<string, long>.Empty;

    /// <summary>Whether the token was issued before its subject's revocation (<see cref="IssuedBy"/>).</summary>
    public bool IsRevoked(ClaimsPrincipal principal)
    {
        var subject = principal.FindFirstValue(DigiUsherClaims.Subject);
        return subject is not null
            && _revokedBefore.TryGetValue(subject, out var revokedBeforeMilliseconds)
            && IssuedBy(principal, revokedBeforeMilliseconds);
    }

    /// <summary>
    /// Whether the token was issued at or before the Unix millisecond, to the millisecond (<c>iat_ms</c>), so a
    /// sign-in right after a password reset or role change is served. A token without <c>iat_ms</c> has only
    /// <c>iat</c>'s whole seconds: every such token of the revocation's own second counts as issued before it,
    /// so nothing issued before a revocation survives it.
    /// </summary>
    public static bool IssuedBy(ClaimsPrincipal principal, long unixMilliseconds)
    {
        if (long.TryParse(principal.FindFirstValue(DigiUsherClaims.IssuedAtMilliseconds), out var issuedAtMilliseconds))
        {
            return issuedAtMilliseconds <= unixMilliseconds;
        }

        var revocationSecond = (unixMilliseconds + 999) / 1000;
        return !long.TryParse(principal.FindFirstValue(DigiUsherClaims.IssuedAt), out var issuedAt) || issuedAt < revocationSecond;
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Subject, DateTimeOffset RevokedBefore)>(
            $"select subject, revoked_before from {service.Schema}.revoked_tokens where expires_at > now()");
        _revokedBefore = rows.ToFrozenDictionary(r => r.Subject, r => r.RevokedBefore.ToUnixTimeMilliseconds(), StringComparer.Ordinal);
    }

    /// <summary>Records a revocation (newest wins) in <paramref name="connection"/>'s transaction.</summary>
    public static Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, TokensRevoked revoked) =>
        connection.ExecuteAsync(
            $"""
            insert into {schema}.revoked_tokens as r (subject, revoked_before, expires_at) values (@Subject, @RevokedBefore, @ExpiresAt)
            on conflict (subject) do update set revoked_before = greatest(r.revoked_before, excluded.revoked_before),
                                                expires_at = greatest(r.expires_at, excluded.expires_at);
            delete from {schema}.revoked_tokens where expires_at < now() - interval '1 hour';
            """, revoked, transaction);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogRefreshFailed(logger, ex);
            }

            try
            {
                await Task.Delay(RefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the revoked tokens; the last list stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}

/// <summary>Stores a revocation in this service's table; every replica reads it within <see cref="RevocationList.RefreshInterval"/>.</summary>
public sealed class TokensRevokedConsumer(NpgsqlDataSource dataSource, DigiUsherService service, RevocationList list) : IConsumer<TokensRevoked>
{
    public async Task Consume(ConsumeContext<TokensRevoked> context)
    {
        await using (var connection = await dataSource.OpenConnectionAsync(context.CancellationToken))
        {
            await RevocationList.WriteAsync(connection, null, service.Schema, context.Message);
        }

        await list.RefreshAsync(context.CancellationToken);
    }
}

public sealed class TokensRevokedConsumerDefinition : RetryingConsumerDefinition<TokensRevokedConsumer>;

/// <summary>The token's subject was revoked after the token was issued.</summary>
public sealed class SecurityTokenRevokedException(string message) : Microsoft.IdentityModel.Tokens.SecurityTokenValidationException(message);
