Console.WriteLine("query bench: not yet implemented");
