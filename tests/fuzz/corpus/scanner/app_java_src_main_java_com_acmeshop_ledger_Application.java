package com.acmeshop.ledger;

// Test corpus for leakhound: every credential in this file is fake, generated at random.

import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.jdbc.DataSourceBuilder;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class Application {

    @Value("${spring.datasource.password}")
    private String password;

    public static void main(String[] args) {
        SpringApplication.run(Application.class, args);
    }

    @Bean
    public DataSource ledgerDataSource() {
        // Legacy Oracle ledger; see OPS-1142 for moving this to Vault.
        String url = "jdbc:oracle:thin:ledger/3PSXzSQdlAnjJAvT@//ora-prod.acme-shop.internal:1521/LEDGER";
        return DataSourceBuilder.create().url(url).build();
    }
}
