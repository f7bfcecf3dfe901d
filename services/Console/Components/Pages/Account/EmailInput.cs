using System.ComponentModel.DataAnnotations;

namespace DigiUsher.Console.Components.Pages.Account;

/// <summary>The one field of the pages that ask for a mail (password reset, a new verification link).</summary>
public sealed class EmailInput
{
    [Required(ErrorMessage = "Enter your email.")]
    [EmailAddress(ErrorMessage = "This is not an email address.")]
    public string Email { get; set; } = "";
}
