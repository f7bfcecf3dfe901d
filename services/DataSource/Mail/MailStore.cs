using Dapper;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Secrets;
using Npgsql;

namespace DigiUsher.DataSource.Mail;

/// <summary>A mail waiting in the outbox.</summary>
public sealed class QueuedMail
{
    public Guid Id { get; init; }

    public string ToAddress { get; init; } = string.Empty;

    public string Subject { get; init; } = string.Empty;

    public byte[]? BodyCiphertext { get; init; }

    public string? BodyKeyId { get; init; }

    public int Attempts { get; init; }
}

/// <summary>The email outbox in the <c>datasource</c> schema; bodies encrypted at rest (they carry one-time codes).</summary>
public sealed class MailStore(NpgsqlDataSource dataSource, SecretCipher cipher)
{
    /// <summary>Queues a mail in the caller's transaction: it is sent only if that transaction commits.</summary>
    public async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizationId, Guid? userId, OutgoingMail mail, DateTimeOffset expiresAt)
    {
        var id = Guid.CreateVersion7();
        var body = cipher.Encrypt(mail.Body, id);
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.email_outbox (id, organization_id, user_id, to_address, subject, body_ciphertext, body_key_id, expires_at)
            values (@id, @organizationId, @userId, @To, @Subject, @ciphertext, @keyId, @expiresAt)
            """, new { id, organizationId, userId, mail.To, mail.Subject, ciphertext = body.Ciphertext, keyId = body.KeyId, expiresAt }, transaction);
    }

    public string BodyOf(QueuedMail mail) => cipher.Decrypt(new EncryptedSecret(mail.BodyKeyId!, mail.BodyCiphertext!), mail.Id);

    /// <summary>
    /// Sends the due mails through <paramref name="send"/> under row locks (<c>skip locked</c>: replicas share
    /// the work, a mail goes out once), then clears each sent body; drops mails whose code expired unsent.
    /// </summary>
    public async Task<int> SendDueAsync(int batch, Func<QueuedMail, CancellationToken, Task<string?>> send, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync($"delete from {DataSourceDb.Schema}.email_outbox where (sent_at is null and expires_at < now()) or sent_at < now() - interval '7 days'");
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = (await connection.QueryAsync<QueuedMail>(
            $"""
            select id, to_address, subject, body_ciphertext, body_key_id, attempts from {DataSourceDb.Schema}.email_outbox
            where sent_at is null and next_attempt_at <= now() order by created_at limit @batch for update skip locked
            """, new { batch }, transaction)).ToList();
        foreach (var mail in due)
        {
            var error = await send(mail, cancellationToken);
            await connection.ExecuteAsync(error is null
                ? $"update {DataSourceDb.Schema}.email_outbox set sent_at = now(), body_ciphertext = null, body_key_id = null, attempts = attempts + 1, last_error = null where id = @id"
                : $"""
                  update {DataSourceDb.Schema}.email_outbox set attempts = attempts + 1, last_error = @error,
                      next_attempt_at = now() + least(interval '10 minutes', interval '5 seconds' * power(2, attempts)) where id = @id
                  """, new { id = mail.Id, error }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }
}
