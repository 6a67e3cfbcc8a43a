// Placeholder translation unit used only while proto/ holds no schemas.
