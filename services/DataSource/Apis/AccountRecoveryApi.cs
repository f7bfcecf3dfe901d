using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Validation;
using DigiUsher.ServiceDefaults.Api;

namespace DigiUsher.DataSource.Apis;

/// <summary>Forgotten passwords and email verification: anonymous, rate-limited like the sign-in routes.</summary>
public static class AccountRecoveryApi
{
    private const string Accepted = "If the address belongs to an account that can use it, a mail with a one-time code is on its way.";

    public static IEndpointRouteBuilder MapAccountRecoveryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Authentication").AllowAnonymous().RequireRateLimiting(SignInRateLimits.Policy);
        group.MapPost("/password-reset", (HttpRequest http, AccountRecovery recovery, CancellationToken ct) =>
                RequestMailAsync(http, recovery.RequestResetAsync, ct))
            .Accepts<AccountMailRequest>("application/json")
            .Produces<AccountMailAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("RequestPasswordReset")
            .WithSummary("Mail a one-time password reset code; the same answer whether or not the address has an account");
        group.MapPost("/password-reset/confirm", ConfirmResetAsync)
            .Accepts<ConfirmPasswordResetRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("ConfirmPasswordReset")
            .WithSummary("Set a new password with the mailed code (once, before it expires); every sign-in and token of the user ends");
        group.MapPost("/email-verification", (HttpRequest http, AccountRecovery recovery, CancellationToken ct) =>
                RequestMailAsync(http, recovery.RequestVerificationAsync, ct))
            .Accepts<AccountMailRequest>("application/json")
            .Produces<AccountMailAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("RequestEmailVerification")
            .WithSummary("Mail a new email verification code to a registered, unverified address; the same answer for every address");
        group.MapPost("/email-verification/confirm", ConfirmVerificationAsync)
            .Accepts<ConfirmEmailVerificationRequest>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("ConfirmEmailVerification")
            .WithSummary("Verify your address with the mailed code");
        return app;
    }

    private static async Task<IResult> RequestMailAsync(HttpRequest http, Func<string, CancellationToken, Task> request, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<AccountMailRequest>(http, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Email("email", body.Email);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await request(body.Email!, cancellationToken);
        return TypedResults.Json(new AccountMailAccepted(Accepted), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ConfirmResetAsync(HttpRequest http, AccountRecovery recovery, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<ConfirmPasswordResetRequest>(http, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("code", body.Code, 128);
        AuthApi.Password(errors, body.NewPassword);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (!await recovery.ResetPasswordAsync(body.Code!, body.NewPassword!, cancellationToken))
        {
            errors.Add("code", "The reset code is wrong, was used already or has expired; ask for a new one.");
            return errors.ToProblem();
        }

        return TypedResults.NoContent();
    }

    private static async Task<IResult> ConfirmVerificationAsync(HttpRequest http, AccountRecovery recovery, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<ConfirmEmailVerificationRequest>(http, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new FieldErrors();
        errors.Required("code", body.Code, 128);
        if (!errors.Any && !await recovery.VerifyEmailAsync(body.Code!, cancellationToken))
        {
            errors.Add("code", "The verification code is wrong, was used already or has expired; ask for a new one.");
        }

        return errors.Any ? errors.ToProblem() : TypedResults.NoContent();
    }
}
