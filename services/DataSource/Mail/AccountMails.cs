using System.Globalization;

namespace DigiUsher.DataSource.Mail;

/// <summary>A mail to one person: the address, the subject and a plain-text body.</summary>
public sealed record OutgoingMail(string To, string Subject, string Body);

/// <summary>The texts of DigiUsher's account mails (no I/O: unit-tested).</summary>
public static class AccountMails
{
    public static OutgoingMail PasswordReset(string to, string code, DateTimeOffset expiresAt, string? linkTemplate) => new(
        to,
        "Reset your DigiUsher password",
        $"""
        Someone (we hope you) asked to reset the password of your DigiUsher account {to}.

        {Use(code, linkTemplate, "POST /api/v1/auth/password-reset/confirm with {\"code\": \"<the code>\", \"newPassword\": \"...\"}")}

        The code works once, until {Time(expiresAt)}. Resetting signs you out everywhere.
        If you did not ask for this, ignore this mail: your password stays as it is.
        """);

    public static OutgoingMail EmailVerification(string to, string code, DateTimeOffset expiresAt, string? linkTemplate) => new(
        to,
        "Verify your email for DigiUsher",
        $"""
        Welcome to DigiUsher. Please confirm that {to} is your address.

        {Use(code, linkTemplate, "POST /api/v1/auth/email-verification/confirm with {\"code\": \"<the code>\"}")}

        The code works once, until {Time(expiresAt)}. You can sign in once the address is verified.
        If you did not register, ignore this mail.
        """);

    private static string Use(string code, string? linkTemplate, string apiCall) =>
        string.IsNullOrWhiteSpace(linkTemplate)
            ? $"Your code: {code}\n\nUse it with {apiCall}."
            : $"Open this link:\n{linkTemplate.Replace("{code}", Uri.EscapeDataString(code), StringComparison.Ordinal)}\n\nOr use the code {code} with {apiCall}.";

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
