using System.Net;
using DigiUsher.Console.Apis;

namespace DigiUsher.Console.Session;

/// <summary>
/// What the password reset and email verification pages say (no I/O: unit-tested). The request pages
/// never say whether an address has an account: DataSource answers every address alike, and so do they.
/// </summary>
public static class AccountRecoveryText
{
    public const string ResetMailSent =
        "If an account uses this address, a mail with a link to choose a new password is on its way. The link works once, for 30 minutes. "
        + "Nothing after a few minutes? Check the address and your spam folder, then ask again.";

    public const string VerificationMailSent =
        "If this address was registered and is not verified yet, a mail with a new verification link is on its way. The link works once, for 24 hours.";

    public const string CheckYourMail =
        "Your organization is registered. We mailed you a link to verify your address: open it, then sign in.";

    public const string PasswordChanged = "Your password is changed, and every earlier sign-in ended. Sign in with the new password.";

    public const string EmailVerified = "Your address is verified. You can sign in now.";

    public const string Unverified = "Your address is not verified yet: open the link in the mail we sent you when you registered.";

    private const string VerifyFirst = "Verify your email first";

    /// <summary>The message of a refused request for a mail: a limit or an unreachable service, never whether the address has an account.</summary>
    public static string ForRequestFailure(Exception error) => error switch
    {
        ApiProblemException { Status: HttpStatusCode.TooManyRequests } => "Too many requests from here. Wait a minute and ask again.",
        ApiProblemException { IsServerError: false } problem when problem.Errors.TryGetValue("email", out var email) => email[0],
        _ => ApiErrorText.For(error),
    };

    /// <summary>
    /// The message of a refused code (reset or verification): DataSource names the <c>code</c> field when it is
    /// wrong, used or expired, so the page offers a new mail; any other field error is the person's to fix.
    /// </summary>
    public static (string Text, bool CodeRefused) ForConfirmFailure(Exception error) => error switch
    {
        ApiProblemException { IsServerError: false } problem when problem.Errors.TryGetValue("code", out var code) => (code[0], true),
        ApiProblemException { IsServerError: false } problem when problem.Errors.TryGetValue("newPassword", out var password) => (password[0], false),
        ApiProblemException { Status: HttpStatusCode.TooManyRequests } => ("Too many attempts from here. Wait a minute and try again.", false),
        _ => (ApiErrorText.For(error), false),
    };

    /// <summary>The sign-in was refused only because the address is not verified yet (DataSource's invalid_grant description).</summary>
    public static bool IsUnverified(Exception error) =>
        error is ApiProblemException { Status: HttpStatusCode.BadRequest, Detail: { } detail } && detail.StartsWith(VerifyFirst, StringComparison.Ordinal);
}
