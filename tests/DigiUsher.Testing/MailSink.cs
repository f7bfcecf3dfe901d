using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using netDumbster.smtp;

namespace DigiUsher.Testing;

/// <summary>A mail the sink received: to whom, the subject and the plain-text body (decoded).</summary>
public sealed record ReceivedMail(string To, string Subject, string Body)
{
    /// <summary>The one-time code in the body (<c>pwr_</c> reset or <c>evc_</c> verification codes).</summary>
    public string Code => Regex.Match(Body, @"\b(pwr|evc)_[A-Za-z0-9_-]{20,}") is { Success: true } m
        ? m.Value
        : throw new InvalidOperationException($"No one-time code in the mail '{Subject}':\n{Body}");
}

/// <summary>
/// An SMTP server in the test's process (netDumbster) on a free port: DataSource's MailKit sender delivers
/// to it over real SMTP, and the test reads what arrived.
/// </summary>
public sealed class MailSink : IDisposable
{
    private readonly SimpleSmtpServer _server;

    private MailSink(SimpleSmtpServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>DataSource's settings (environment-variable style) for sending here.</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Email__Smtp__Host"] = "127.0.0.1",
        ["Email__Smtp__Port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Email__Smtp__Security"] = "None",
        ["Email__Smtp__From"] = "DigiUsher <no-reply@digiusher.test>",
        ["Email__Smtp__PollInterval"] = "00:00:00.500",
    };

    public static MailSink Start()
    {
        var port = FreePort.Next();
        return new MailSink(SimpleSmtpServer.Start(port), port);
    }

    /// <summary>Every mail received so far, oldest first.</summary>
    public IReadOnlyList<ReceivedMail> Received => [.. _server.ReceivedEmail.Select(Read)];

    /// <summary>The mails to <paramref name="to"/>, waiting until there are at least <paramref name="count"/>.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(string to, int count = 1, TimeSpan? patience = null)
    {
        IReadOnlyList<ReceivedMail> mails = [];
        await Eventually.True(() =>
        {
            mails = [.. Received.Where(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase))];
            return Task.FromResult(mails.Count >= count);
        }, patience ?? TimeSpan.FromSeconds(60), $"{count} mail(s) to {to}");
        return mails;
    }

    public void Dispose() => _server.Dispose();

    private static ReceivedMail Read(SmtpMessage message)
    {
        using var raw = new MemoryStream(Encoding.UTF8.GetBytes(message.Data));
        var mime = MimeMessage.Load(raw);
        return new ReceivedMail(mime.To.Mailboxes.First().Address, mime.Subject ?? string.Empty, mime.TextBody ?? string.Empty);
    }
}
