namespace DigiUsher.Console.Data;

/// <summary>The console's schema: sessions and data-protection keys, nothing else; no other service reads it.</summary>
public static class ConsoleDb
{
    public const string Schema = "console";
}
