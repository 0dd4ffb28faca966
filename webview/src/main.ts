/** The preview panel's script (placeholder until the panel lands). */
export {};
