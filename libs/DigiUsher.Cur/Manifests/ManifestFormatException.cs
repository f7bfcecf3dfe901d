namespace DigiUsher.Cur.Manifests;

/// <summary>A manifest that cannot be used (not JSON, required field missing); the message names the problem.</summary>
public sealed class ManifestFormatException(string message, Exception? inner = null) : Exception(message, inner);
