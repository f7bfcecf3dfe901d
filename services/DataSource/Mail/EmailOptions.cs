using System.ComponentModel.DataAnnotations;

namespace DigiUsher.DataSource.Mail;

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text: only for a sink on the same machine (the demo, the tests).</summary>
    None,

    /// <summary>STARTTLS, required (port 587): the connection fails rather than send in plain text.</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it, else plain text.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (SMTPS, port 465).</summary>
    SslOnConnect,
}

/// <summary>
/// Section <c>Email:Smtp</c>: the server DataSource sends its mails through (password resets, email
/// verification). Without a <see cref="Host"/> mails wait in the outbox, unsent, until they expire.
/// </summary>
public sealed class SmtpOptions
{
    public const string Section = "Email:Smtp";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Sign in to the server with these, when given.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>DigiUsher &lt;no-reply@example.com&gt;</c>; required with a host.</summary>
    public string? From { get; set; }

    /// <summary>How often the outbox is read for mails to send.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one SMTP exchange may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public bool Configured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>
/// Section <c>Email</c>: the links in DigiUsher's mails. Each is a template with <c>{code}</c> where the
/// one-time code goes, e.g. <c>https://finops.example.com/reset-password?code={code}</c>; without one the
/// mail gives the code and the API call that uses it.
/// </summary>
public sealed class EmailLinkOptions
{
    public const string Section = "Email";

    public string? PasswordResetLink { get; set; }

    public string? EmailVerificationLink { get; set; }
}
