using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace DigiUsher.DataSource.Mail;

/// <summary>
/// Sends the email outbox through the configured SMTP server with MailKit: one connection per batch,
/// failures retried with a growing delay (the error kept on the row, never the body). Without a host
/// it only says, once, that mails stay unsent.
/// </summary>
public sealed partial class EmailOutboxSender(MailStore store, IOptions<SmtpOptions> options, ILogger<EmailOutboxSender> logger) : BackgroundService
{
    private const int Batch = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var smtp = options.Value;
        if (!smtp.Configured)
        {
            LogNotConfigured(logger);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendBatchAsync(smtp, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogBatchFailed(logger, ex);
            }

            try
            {
                await Task.Delay(smtp.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendBatchAsync(SmtpOptions smtp, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            await store.SendDueAsync(Batch, async (mail, ct) =>
            {
                try
                {
                    if (!client.IsConnected)
                    {
                        await client.ConnectAsync(smtp.Host!, smtp.Port, Socket(smtp.Security), ct);
                        if (!string.IsNullOrEmpty(smtp.Username))
                        {
                            await client.AuthenticateAsync(smtp.Username, smtp.Password ?? string.Empty, ct);
                        }
                    }

                    var message = new MimeMessage();
                    message.From.Add(MailboxAddress.Parse(smtp.From!));
                    message.To.Add(MailboxAddress.Parse(mail.ToAddress));
                    message.Subject = mail.Subject;
                    message.Body = new TextPart("plain") { Text = store.BodyOf(mail) };
                    await client.SendAsync(message, ct);
                    LogSent(logger, mail.Id);
                    return null;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSendFailed(logger, mail.Id, mail.Attempts + 1, ex.Message);
                    return $"{ex.GetType().Name}: {ex.Message}";
                }
            }, cancellationToken);
        }
        finally
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(quit: true, CancellationToken.None);
            }
        }
    }

    public static SecureSocketOptions Socket(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email:Smtp:Host is not set: password reset and verification mails stay unsent in the outbox")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading or sending the email outbox failed; retrying")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail {MailId} sent")]
    private static partial void LogSent(ILogger logger, Guid mailId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MailId} not sent (attempt {Attempt}): {Error}")]
    private static partial void LogSendFailed(ILogger logger, Guid mailId, int attempt, string error);
}
